"""Features for the "take it offline" heat scorer.

Two layers:

* ``message_features`` turns one message's text into a small tuple of counts. It runs once per
  observed message; the text is dropped afterwards, so only these numbers are ever kept.
* ``exchange_vector`` turns a window of per-message features (plus authors) into the fixed-length
  vector the logistic model scores. It only does arithmetic over at most ``window`` tuples.

Pure Python on purpose: the bot must not pull numpy/sklearn at runtime. VADER and
better-profanity are used for their *word lists* only; their own scoring functions cost
~170 us and ~45 ms per message respectively, far over the per-message budget.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from typing import NamedTuple

MAX_CHARS = 4000

# ---------------------------------------------------------------------------------------------
# Lexicons (loaded once at import)
# ---------------------------------------------------------------------------------------------


def _load_vader() -> dict[str, float]:
    try:
        import vaderSentiment.vaderSentiment as vs

        path = os.path.join(os.path.dirname(vs.__file__), "vader_lexicon.txt")
        out: dict[str, float] = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                if len(parts) >= 2:
                    try:
                        out[parts[0]] = float(parts[1])
                    except ValueError:
                        continue
        return out
    except (ImportError, OSError):
        # Degrade to "no sentiment" rather than crash the bot; the model still has other cues.
        return {}


def _load_profanity() -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    try:
        import better_profanity

        path = os.path.join(os.path.dirname(better_profanity.__file__), "profanity_wordlist.txt")
        with open(path, encoding="utf-8") as fh:
            words = [w.strip().lower() for w in fh if w.strip()]
    except (ImportError, OSError):
        words = []
    singles = frozenset(w for w in words if " " not in w)
    pairs = frozenset(
        (p[0], p[1]) for p in (w.split() for w in words if w.count(" ") == 1)
    )
    return singles, pairs


VADER: dict[str, float] = _load_vader()
PROFANITY, PROFANITY_PAIRS = _load_profanity()

# VADER's own negation scalar: a negated word keeps ~3/4 of its strength with flipped sign.
_N_SCALAR = -0.74
NEGATIONS = frozenset(
    """not no never nothing nobody none nowhere neither nor cannot without
    aint arent cant couldnt didnt doesnt dont hadnt hasnt havent isnt mightnt mustnt neednt
    shant shouldnt wasnt werent wont wouldnt""".split()
)
SECOND_PERSON = frozenset("you your yours yourself yourselves you're you've you'd you'll u ur".split())
FIRST_PERSON = frozenset("i me my mine myself i'm i've i'd i'll".split())
HEDGES = frozenset(
    """perhaps maybe might possibly probably seems seem seemingly arguably somewhat
    likely unlikely guess suppose imo imho apparently generally typically often""".split()
)
HEDGE_PHRASES = ("i think", "i believe", "i feel", "in my opinion", "i could be wrong",
                 "it seems", "not sure", "kind of", "sort of")
POLITE = frozenset(
    """please thanks thank sorry appreciate agreed agree fair interesting delta ∆
    understand respect""".split()
)
POLITE_PHRASES = ("good point", "fair point", "you're right", "that's true", "makes sense",
                  "i see", "thank you", "great point")
# Confrontational / dismissive markers. Hand-picked prior knowledge, not mined from the dev file,
# so they should transfer across communities.
ATTACK = frozenset(
    """stupid idiot idiotic idiots moron dumb ridiculous absurd nonsense ignorant ignorance
    liar lie lies lying troll trolling bullshit strawman pathetic delusional hypocrite
    hypocritical insane crazy laughable disingenuous dishonest clueless childish garbage
    ludicrous joke whatever obviously clearly literally seriously actually wrong
    shut racist sexist bigot bigoted""".split()
)
ATTACK_PHRASES = ("you don't", "you didn't", "you clearly", "you obviously", "did you even",
                  "do you even", "straw man", "nice try", "you're wrong", "read what",
                  "you keep", "learn to", "so you're saying", "your argument", "you said")

FACT_PHRASES = ("in fact", "the fact", "the point", "the reality", "the truth", "the problem is",
                "point is", "fact is", "nobody is", "no one is", "you have to", "you need to")
WH_WORDS = frozenset("why how what who where when which do does did are is can".split())

_TOKEN_RE = re.compile(r"[a-z0-9∆]+(?:'[a-z]+)?")
_SENT_RE = re.compile(r"[^.!?\n]+[.!?]*")
_FIRST_WORD_RE = re.compile(r"\W*([a-z']+)")


class MsgFeatures(NamedTuple):
    """Counts for one message. Everything the scorer keeps about a message lives here."""

    has_text: float
    n_tok: float
    you: float
    me: float
    neg: float  # negation words
    q: float  # question marks
    q_you: float  # sentences that are questions aimed at "you"
    prof: float
    pos_v: float  # summed positive VADER valence
    neg_v: float  # summed |negative| VADER valence
    hedge: float
    polite: float
    attack: float
    quote: float  # quoting the other back (">" / "&gt;" / quoted spans)
    excl: float
    you_start: float  # sentences opening with "you"/"your" (direct address, Zhang et al. 2018)
    wh_start: float  # sentences opening with why/how/what... that end in "?"
    fact: float  # "in fact", "the point is": factuality claims, a derailment cue in the literature
    link: float  # citing a source tends to keep things on the argument, not the person
    lex: float  # sum of learned word weights over the message's distinct tokens
    n_uniq: float  # distinct tokens (normaliser for ``lex``)


EMPTY = MsgFeatures(*([0.0] * 21))


def _normalise(text: str) -> str:
    return text[:MAX_CHARS].lower().replace("\u2019", "'").replace("\u2018", "'")


def unique_tokens(text: str) -> set[str]:
    """Distinct tokens exactly as ``message_features`` sees them (used to train the lexicon)."""
    return set(_TOKEN_RE.findall(_normalise(text)))


def message_features(text: str | None, lexicon: dict[str, float] | None = None) -> MsgFeatures:
    """Per-message features. Never raises; ``None`` text yields ``EMPTY`` (has_text = 0)."""
    if text is None or not isinstance(text, str):
        return EMPTY
    t = _normalise(text)
    toks = _TOKEN_RE.findall(t)
    uniq = set(toks)
    lex = 0.0
    if lexicon:
        for tok in uniq:
            w = lexicon.get(tok)
            if w is not None:
                lex += w
    n = len(toks)
    you = me = neg = prof = hedge = polite = attack = 0
    pos_v = neg_v = 0.0
    vader = VADER
    prev1 = prev2 = prev3 = ""
    prev_tok = ""
    for tok in toks:
        if tok in SECOND_PERSON:
            you += 1
        elif tok in FIRST_PERSON:
            me += 1
        is_neg = tok in NEGATIONS or tok.endswith("n't")
        if is_neg:
            neg += 1
        if tok in PROFANITY or (prev_tok, tok) in PROFANITY_PAIRS:
            prof += 1
        if tok in HEDGES:
            hedge += 1
        if tok in POLITE:
            polite += 1
        if tok in ATTACK:
            attack += 1
        val = vader.get(tok)
        if val is not None:
            if (prev1 in NEGATIONS or prev2 in NEGATIONS or prev3 in NEGATIONS
                    or prev1.endswith("n't") or prev2.endswith("n't")):
                val *= _N_SCALAR
            if val > 0:
                pos_v += val
            else:
                neg_v -= val
        prev3, prev2, prev1 = prev2, prev1, tok
        prev_tok = tok
    if n:
        for ph in HEDGE_PHRASES:
            if ph in t:
                hedge += t.count(ph)
        for ph in POLITE_PHRASES:
            if ph in t:
                polite += t.count(ph)
        for ph in ATTACK_PHRASES:
            if ph in t:
                attack += t.count(ph)
    q = t.count("?")
    q_you = 0
    if q and you:
        # A question containing "you" is a direct challenge to the other participant.
        start = 0
        for m in re.finditer(r"\?", t):
            seg = t[start:m.start()]
            cut = max(seg.rfind("."), seg.rfind("!"), seg.rfind("\n"))
            seg = seg[cut + 1:]
            if " you" in " " + seg:
                q_you += 1
            start = m.end()
    you_start = wh_start = 0
    for sent in _SENT_RE.findall(t):
        m = _FIRST_WORD_RE.match(sent)
        if m is None:
            continue
        w = m.group(1)
        if w in ("you", "your", "you're", "u"):
            you_start += 1
        if w in WH_WORDS and sent.rstrip().endswith("?"):
            wh_start += 1
    fact = sum(t.count(ph) for ph in FACT_PHRASES if ph in t)
    link = t.count("http") + t.count("www.")
    quote = t.count("&gt;") + t.count("& gt ;") + sum(
        1 for line in t.split("\n") if line.lstrip().startswith(">")
    )
    return MsgFeatures(
        1.0, float(n), float(you), float(me), float(neg), float(q), float(q_you), float(prof),
        pos_v, neg_v, float(hedge), float(polite), float(attack), float(quote),
        float(t.count("!")), float(you_start), float(wh_start), float(fact), float(link),
        lex, float(len(uniq)),
    )


# ---------------------------------------------------------------------------------------------
# Exchange-level vector
# ---------------------------------------------------------------------------------------------

FEATURE_NAMES: tuple[str, ...] = (
    "log_n_msgs",
    "log_len_mean",
    "len_growth",          # log len(last 2) - log len(first)
    "you_rate",
    "you_trend",           # you-rate last 2 minus first
    "me_rate",
    "neg_rate",
    "q_rate",
    "q_you_last2",
    "prof_any",
    "negv_rate",
    "negv_trend",
    "posv_rate",
    "compound_last",
    "compound_min",
    "hedge_rate",
    "hedge_trend",
    "polite_rate",
    "polite_trend",
    "attack_rate",
    "attack_last2",
    "quote_any",
    "excl_rate",
    "len_imbalance",       # |log len A - log len B| between the two main participants
    "negv_imbalance",
    "you_start_rate",
    "wh_start_last2",
    "fact_rate",
    "link_any",
    "attack_max",
    "you_msg_frac",        # fraction of messages that address the other person at all
    "first_attack",
    "first_you_rate",
    "two_party_share",     # share of window written by the two most active authors
    "lex_last2",           # learned word weights over the last two messages
)
N_FEATURES = len(FEATURE_NAMES)
_SHARE_IDX = FEATURE_NAMES.index("two_party_share")


def _compound(f: MsgFeatures) -> float:
    s = f.pos_v - f.neg_v
    return s / math.sqrt(s * s + 15.0)


def _rate(num: float, den: float) -> float:
    return num / den if den > 0 else 0.0


def exchange_vector(feats: Sequence[MsgFeatures], authors: Sequence[str]) -> list[float]:
    """Fixed-length vector for a window of messages (oldest first).

    Messages without text (``has_text == 0``) are left out of the text aggregates; the caller
    decides how much to trust a window that is mostly textless.
    """
    n_msgs = len(feats)
    txt = [f for f in feats if f.has_text]
    if not txt:
        out = [0.0] * N_FEATURES
        out[0] = math.log1p(n_msgs)
        out[_SHARE_IDX] = _two_party_share(authors)
        return out
    tot = EMPTY_SUMS.copy()
    for f in txt:
        for i in _SUM_IDX:
            tot[i] += f[i]
    ntok = tot[1] or 1.0
    first = txt[0]
    last2 = txt[-2:] if len(txt) >= 2 else txt
    l2_tok = sum(f.n_tok for f in last2) or 1.0
    f_tok = first.n_tok or 1.0
    you_l2 = sum(f.you for f in last2) / l2_tok
    negv_l2 = sum(f.neg_v for f in last2) / l2_tok
    hedge_l2 = sum(f.hedge for f in last2) / l2_tok
    polite_l2 = sum(f.polite for f in last2) / l2_tok
    comps = [_compound(f) for f in txt]
    log_lens = [math.log1p(f.n_tok) for f in txt]
    len_l2 = sum(math.log1p(f.n_tok) for f in last2) / len(last2)

    # Split by author for the two-party balance features.
    by_author: dict[str, list[MsgFeatures]] = {}
    for f, a in zip(feats, authors, strict=False):
        if f.has_text:
            by_author.setdefault(a, []).append(f)
    len_imb = negv_imb = 0.0
    if len(by_author) >= 2:
        top = sorted(by_author.values(), key=len, reverse=True)[:2]
        la = [sum(math.log1p(f.n_tok) for f in g) / len(g) for g in top]
        na = [_rate(sum(f.neg_v for f in g), sum(f.n_tok for f in g)) for g in top]
        len_imb = abs(la[0] - la[1])
        negv_imb = abs(na[0] - na[1]) * 10.0

    k = len(txt)
    return [
        math.log1p(n_msgs),
        sum(log_lens) / k,
        len_l2 - log_lens[0],
        tot[2] / ntok * 10.0,
        (you_l2 - first.you / f_tok) * 10.0,
        tot[3] / ntok * 10.0,
        tot[4] / ntok * 10.0,
        tot[5] / k,
        float(sum(f.q_you for f in last2)),
        1.0 if tot[7] > 0 else 0.0,
        tot[9] / ntok * 10.0,
        (negv_l2 - first.neg_v / f_tok) * 10.0,
        tot[8] / ntok * 10.0,
        comps[-1],
        min(comps),
        tot[10] / ntok * 10.0,
        (hedge_l2 - first.hedge / f_tok) * 10.0,
        tot[11] / ntok * 10.0,
        (polite_l2 - first.polite / f_tok) * 10.0,
        tot[12] / ntok * 10.0,
        float(sum(f.attack for f in last2)),
        1.0 if tot[13] > 0 else 0.0,
        tot[14] / k,
        len_imb,
        negv_imb,
        tot[15] / k,
        float(sum(f.wh_start for f in last2)),
        tot[17] / k,
        1.0 if tot[18] > 0 else 0.0,
        max(f.attack for f in txt),
        sum(1 for f in txt if f.you) / k,
        first.attack,
        first.you / f_tok * 10.0,
        _two_party_share(authors),
        sum(f.lex for f in last2) / math.sqrt(sum(f.n_uniq for f in last2) or 1.0),
    ]


_SUM_IDX = tuple(range(len(MsgFeatures._fields)))
EMPTY_SUMS = [0.0] * len(MsgFeatures._fields)


def _two_party_share(authors: Sequence[str]) -> float:
    if not authors:
        return 0.0
    counts: dict[str, int] = {}
    for a in authors:
        counts[a] = counts.get(a, 0) + 1
    top = sorted(counts.values(), reverse=True)[:2]
    return sum(top) / len(authors)
