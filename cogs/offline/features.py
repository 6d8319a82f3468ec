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
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from cogs.offline.cues import GRATITUDE, strip_code

# Per-message text cap. Every text feature is linear in length; 2,000 characters (~370 tokens)
# keeps ~97 % of CMV comments whole and bounds the cost of a wall of text.
MAX_CHARS = 2000

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


def _load_profanity() -> tuple[frozenset[str], tuple[str, ...]]:
    try:
        import better_profanity

        path = os.path.join(os.path.dirname(better_profanity.__file__), "profanity_wordlist.txt")
        with open(path, encoding="utf-8") as fh:
            words = [w.strip().lower() for w in fh if w.strip()]
    except (ImportError, OSError):
        words = []
    singles = frozenset(w for w in words if " " not in w)
    phrases = tuple(w for w in words if " " in w)
    return singles, phrases


VADER: dict[str, float] = _load_vader()
PROFANITY, PROFANITY_PHRASES = _load_profanity()

# VADER's own negation scalar: a negated word keeps ~3/4 of its strength with flipped sign.
_N_SCALAR = -0.74
NEGATIONS = frozenset(
    """not no never nothing nobody none nowhere neither nor cannot without
    aint arent cant couldnt didnt doesnt dont hadnt hasnt havent isnt mightnt mustnt neednt
    shant shouldnt wasnt werent wont wouldnt ain't aren't can't couldn't didn't doesn't don't
    hadn't hasn't haven't isn't mightn't mustn't needn't shan't shouldn't wasn't weren't won't
    wouldn't""".split()
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


def _pad(phrases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f" {ph} " for ph in phrases)


PROFANITY_PADDED = _pad(PROFANITY_PHRASES)
HEDGE_PADDED = _pad(HEDGE_PHRASES)
POLITE_PADDED = _pad(POLITE_PHRASES)
ATTACK_PADDED = _pad(ATTACK_PHRASES)
FACT_PADDED = _pad(FACT_PHRASES)

WH_WORDS = frozenset("why how what who where when which do does did are is can".split())

# Tokenising is the hot path. Python's ``re`` costs ~70 ns per character on the target box, so
# tokens come from a C-level byte translation: ASCII punctuation -> space, sentence terminators
# -> " . "/" ? "/" ! " as their own tokens (sentence cues are then plain ``str.count`` calls).
_PUNCT = b",;:\"()[]*<>{}-_/\\|~`@#$%^&+=\t\r"
_BYTE_TABLE = bytes.maketrans(_PUNCT + b"\n", b" " * len(_PUNCT) + b".")
_TERMS = frozenset(".?!")
_UNICODE_FOLD = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'),
                 ("\u2026", "."), ("\u2013", " "), ("\u2014", " "))
_YOU_START = ("you", "your", "you're", "u")


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
    lex: float  # sum of learned term weights over the message's distinct tokens and bigrams
    n_uniq: float  # distinct lexicon terms: tokens + adjacent-token bigrams (normaliser for lex)
    log_len: float  # log1p(n_tok), kept so the window pass does no logs
    compound: float  # VADER-style normalised sentiment, -1..1
    lex_n: float  # lex / sqrt(n_uniq): this message's own learned-lexicon score
    grat: float  # gratitude words ("thanks", "appreciate"; ``cues.GRATITUDE``)


EMPTY = MsgFeatures._make([0.0] * len(MsgFeatures._fields))


def _normalise(text: str) -> str:
    t = text[:MAX_CHARS].lower()
    if not t.isascii():
        for src, dst in _UNICODE_FOLD:
            if src in t:
                t = t.replace(src, dst)
    return t


def _spaced(t: str) -> str:
    """Lowercased text -> ' tok tok . tok ? ' (single spaces, terminators as tokens)."""
    raw = t.encode("utf-8", "replace").translate(_BYTE_TABLE)
    raw = raw.replace(b".", b" . ").replace(b"?", b" ? ").replace(b"!", b" ! ")
    return " " + " ".join(raw.decode("utf-8", "replace").split()) + " "


def _tokens(spaced: str) -> list[str]:
    return [w for w in spaced.split() if w not in _TERMS]


def _bigrams(toks: list[str]) -> set[str]:
    return set(map(" ".join, zip(toks, toks[1:], strict=False)))


def lexicon_terms(text: str) -> set[str]:
    """Distinct lexicon terms (tokens and adjacent-token bigrams "a b") exactly as
    ``message_features`` looks them up (used to train the lexicon)."""
    toks = _tokens(_spaced(_normalise(strip_code(text))))
    return set(toks) | _bigrams(toks)


# One dict lookup per distinct token gives every word-list membership and the VADER valence at
# once: seven set intersections per message cost ~20 us, this single pass ~2 us.
_C_YOU, _C_ME, _C_NEG, _C_PROF, _C_HEDGE, _C_POLITE, _C_ATTACK, _C_FACT, _C_GRAT = range(9)


_PHRASE_CATS: tuple[tuple[str, int], ...] = tuple(
    (ph, c) for c, phrases in ((_C_PROF, PROFANITY_PADDED), (_C_HEDGE, HEDGE_PADDED),
                               (_C_POLITE, POLITE_PADDED), (_C_ATTACK, ATTACK_PADDED),
                               (_C_FACT, FACT_PADDED))
    for ph in phrases
)


def _build_word_info() -> dict[str, tuple[tuple[int, ...], float, tuple[tuple[str, int], ...]]]:
    """word -> (word-list categories, VADER valence, phrases that start with this word)."""
    cats: dict[str, list[int]] = {}
    for c, words in ((_C_YOU, SECOND_PERSON), (_C_ME, FIRST_PERSON), (_C_NEG, NEGATIONS),
                     (_C_PROF, PROFANITY), (_C_HEDGE, HEDGES), (_C_POLITE, POLITE),
                     (_C_ATTACK, ATTACK), (_C_GRAT, GRATITUDE)):
        for w in words:
            cats.setdefault(w, []).append(c)
    # Phrases are only searched for when their first word occurs, instead of scanning the text
    # for all ~80 of them on every message.
    phr: dict[str, list[tuple[str, int]]] = {}
    for ph, c in _PHRASE_CATS:
        phr.setdefault(ph.split()[0], []).append((ph, c))
    out: dict[str, tuple[tuple[int, ...], float, tuple[tuple[str, int], ...]]] = {}
    for w in set(cats) | set(VADER) | set(phr):
        out[w] = (tuple(cats.get(w, ())), VADER.get(w, 0.0), tuple(phr.get(w, ())))
    return out


_WORD_INFO = _build_word_info()
_YOU_START_PATTERNS = tuple(term + w + " " for w in _YOU_START for term in (" . ", " ? ", " ! "))
_YOU_START_PREFIXES = tuple(" " + w + " " for w in _YOU_START)


def bigram_heads(lexicon: dict[str, float]) -> frozenset[str]:
    """First words of the lexicon's bigram terms: only pairs starting with one are looked up."""
    return frozenset(w.split(" ", 1)[0] for w in lexicon if " " in w)


def message_features(
    text: str | None,
    lexicon: dict[str, float] | None = None,
    heads: frozenset[str] | None = None,
) -> MsgFeatures:
    """Per-message features. Never raises; ``None`` text yields ``EMPTY`` (has_text = 0).

    ``heads`` is ``bigram_heads(lexicon)``, precomputed by the caller (the scorer does it once).
    """
    if text is None or not isinstance(text, str):
        return EMPTY
    t = _normalise(strip_code(text))
    sp = _spaced(t)
    toks = _tokens(sp)
    cnt = Counter(toks)
    counts = [0, 0, 0, 0, 0, 0, 0, 0, 0]
    pos_v = neg_v = lex = 0.0
    info_get = _WORD_INFO.get
    lex_get = lexicon.get if lexicon else None
    for w, c in cnt.items():
        info = info_get(w)
        if info is not None:
            for k in info[0]:
                counts[k] += c
            v = info[1]
            if v > 0:
                pos_v += v * c
            elif v < 0:
                neg_v -= v * c
            for ph, k in info[2]:
                if ph in sp:
                    counts[k] += sp.count(ph)
        if lex_get is not None:
            lw = lex_get(w)
            if lw is not None:
                lex += lw
    pairs = set(zip(toks, toks[1:], strict=False))
    if lex_get is not None:
        if heads is None:
            heads = bigram_heads(lexicon or {})
        if heads:
            # Building every bigram string costs ~0.4 us per token; only pairs whose first word
            # starts a lexicon bigram can score, so only those strings are built.
            for a, b in pairs:
                if a in heads:
                    lw = lex_get(a + " " + b)
                    if lw is not None:
                        lex += lw
    n_terms = len(cnt) + len(pairs)
    if counts[_C_NEG] and (pos_v or neg_v):
        # VADER's rule: a word within three tokens after a negation has its valence flipped and
        # damped (x -0.74). Only messages with both a negation and sentiment words pay for this.
        n = len(toks)
        flipped: dict[int, float] = {}
        for i, tok in enumerate(toks):
            if tok in NEGATIONS:
                for j in range(i + 1, min(i + 4, n)):
                    info = info_get(toks[j])
                    if info is not None and info[1]:
                        flipped[j] = info[1]
        for v in flipped.values():
            if v > 0:
                pos_v -= v
            else:
                neg_v += v
            v2 = v * _N_SCALAR
            if v2 > 0:
                pos_v += v2
            else:
                neg_v -= v2
    you = counts[_C_YOU]
    q = sp.count(" ? ")
    q_you = wh_start = 0
    if q:
        # Each segment before a "?" ends with the question sentence; its start is after the last
        # other terminator.
        for seg in sp.split(" ? ")[:-1]:
            tail = seg.rsplit(" . ", 1)[-1].rsplit(" ! ", 1)[-1].split()
            if not tail:
                continue
            if tail[0] in WH_WORDS:
                wh_start += 1
            if you and not SECOND_PERSON.isdisjoint(tail):
                q_you += 1
    you_start = 0
    if you:
        you_start = sum(sp.count(p) for p in _YOU_START_PATTERNS if p in sp)
        if sp.startswith(_YOU_START_PREFIXES):
            you_start += 1
    s = pos_v - neg_v
    n_tok = len(toks)
    # Counts stay ints: CPython caches small ints, so a window of features allocates ~40% less
    # than with one float object per field.
    return MsgFeatures(
        1,
        n_tok,
        you,
        counts[_C_ME],
        counts[_C_NEG],
        q,
        q_you,
        counts[_C_PROF],
        pos_v,
        neg_v,
        counts[_C_HEDGE],
        counts[_C_POLITE],
        counts[_C_ATTACK],
        t.count("&gt;") + t.count("& gt ;") + t.startswith(">") + t.count("\n>"),
        sp.count(" ! "),
        you_start,
        wh_start,
        counts[_C_FACT],
        t.count("http") + t.count("www."),
        lex,
        n_terms,
        math.log1p(n_tok),
        s / math.sqrt(s * s + 15.0),
        lex / math.sqrt(n_terms) if n_terms else 0.0,
        counts[_C_GRAT],
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
    "lex_last2",           # learned term weights over the last two messages
    "lex_last",            # ... over the last message alone
    "lex_first",           # ... over the first message of the window
    "lex_max",             # hottest single message in the window
    "lex_mean",            # mean per-message lexicon score
    "grat_last2",          # a thank-you in the last two messages (cues.py)
    "grat_any",            # ... anywhere in the window
)
N_FEATURES = len(FEATURE_NAMES)
_SHARE_IDX = FEATURE_NAMES.index("two_party_share")


_F = {name: i for i, name in enumerate(MsgFeatures._fields)}
_I_NTOK, _I_YOU, _I_ME, _I_NEG, _I_Q = _F["n_tok"], _F["you"], _F["me"], _F["neg"], _F["q"]
_I_PROF, _I_POSV, _I_NEGV, _I_HEDGE = _F["prof"], _F["pos_v"], _F["neg_v"], _F["hedge"]
_I_POLITE, _I_ATTACK, _I_QUOTE, _I_EXCL = _F["polite"], _F["attack"], _F["quote"], _F["excl"]
_I_YSTART, _I_FACT, _I_LINK = _F["you_start"], _F["fact"], _F["link"]
_I_LEXN = _F["lex_n"]
_I_GRAT = _F["grat"]


def exchange_vector(feats: Sequence[MsgFeatures], authors: Sequence[str]) -> list[float]:
    """Fixed-length vector for a window of messages (oldest first).

    Messages without text (``has_text == 0``) are left out of the text aggregates; the caller
    decides how much to trust a window that is mostly textless. Written for speed: column sums
    via ``zip(*rows)`` instead of per-field Python loops, since this runs on every message.
    """
    n_msgs = len(feats)
    share = _two_party_share(authors)
    txt = [f for f in feats if f.has_text]
    if not txt:
        out = [0.0] * N_FEATURES
        out[0] = math.log1p(n_msgs)
        out[_SHARE_IDX] = share
        return out
    k = len(txt)
    cols = list(zip(*txt, strict=True))
    tot = [sum(c) for c in cols]
    ntok = tot[_I_NTOK] or 1.0
    first = txt[0]
    last2 = txt[-2:]
    a = last2[0]
    b = last2[-1] if k >= 2 else None
    if b is None:
        l2_tok = a.n_tok or 1.0
        you_l2, negv_l2, hedge_l2, polite_l2 = a.you, a.neg_v, a.hedge, a.polite
        len_l2 = a.log_len
        q_you_l2, attack_l2, wh_l2 = a.q_you, a.attack, a.wh_start
        lex_l2 = a.lex / math.sqrt(a.n_uniq or 1.0)
    else:
        l2_tok = (a.n_tok + b.n_tok) or 1.0
        you_l2, negv_l2 = a.you + b.you, a.neg_v + b.neg_v
        hedge_l2, polite_l2 = a.hedge + b.hedge, a.polite + b.polite
        len_l2 = (a.log_len + b.log_len) / 2
        q_you_l2, attack_l2, wh_l2 = a.q_you + b.q_you, a.attack + b.attack, a.wh_start + b.wh_start
        lex_l2 = (a.lex + b.lex) / math.sqrt((a.n_uniq + b.n_uniq) or 1.0)
    f_tok = first.n_tok or 1.0

    # Two-party balance: per-author mean log length and negative-valence rate.
    len_imb = negv_imb = 0.0
    if share < 1.0 or len(set(authors)) >= 2:
        acc: dict[str, list[float]] = {}
        for f, au in zip(feats, authors, strict=False):
            if f.has_text:
                r = acc.get(au)
                if r is None:
                    acc[au] = [1.0, f.log_len, f.neg_v, f.n_tok]
                else:
                    r[0] += 1.0
                    r[1] += f.log_len
                    r[2] += f.neg_v
                    r[3] += f.n_tok
        if len(acc) >= 2:
            top = sorted(acc.values(), key=lambda r: r[0], reverse=True)[:2]
            len_imb = abs(top[0][1] / top[0][0] - top[1][1] / top[1][0])
            negv_imb = abs(_rate(top[0][2], top[0][3]) - _rate(top[1][2], top[1][3])) * 10.0

    comps = cols[_F["compound"]]
    lexn = cols[_I_LEXN]
    return [
        math.log1p(n_msgs),
        tot[_F["log_len"]] / k,
        len_l2 - first.log_len,
        tot[_I_YOU] / ntok * 10.0,
        (you_l2 / l2_tok - first.you / f_tok) * 10.0,
        tot[_I_ME] / ntok * 10.0,
        tot[_I_NEG] / ntok * 10.0,
        tot[_I_Q] / k,
        q_you_l2,
        1.0 if tot[_I_PROF] > 0 else 0.0,
        tot[_I_NEGV] / ntok * 10.0,
        (negv_l2 / l2_tok - first.neg_v / f_tok) * 10.0,
        tot[_I_POSV] / ntok * 10.0,
        comps[-1],
        min(comps),
        tot[_I_HEDGE] / ntok * 10.0,
        (hedge_l2 / l2_tok - first.hedge / f_tok) * 10.0,
        tot[_I_POLITE] / ntok * 10.0,
        (polite_l2 / l2_tok - first.polite / f_tok) * 10.0,
        tot[_I_ATTACK] / ntok * 10.0,
        attack_l2,
        1.0 if tot[_I_QUOTE] > 0 else 0.0,
        tot[_I_EXCL] / k,
        len_imb,
        negv_imb,
        tot[_I_YSTART] / k,
        wh_l2,
        tot[_I_FACT] / k,
        1.0 if tot[_I_LINK] > 0 else 0.0,
        max(cols[_I_ATTACK]),
        (k - cols[_I_YOU].count(0.0)) / k,
        first.attack,
        first.you / f_tok * 10.0,
        share,
        lex_l2,
        b.lex_n if b is not None else a.lex_n,
        first.lex_n,
        max(lexn),
        tot[_I_LEXN] / k,
        1.0 if a.grat or (b is not None and b.grat) else 0.0,
        1.0 if tot[_I_GRAT] else 0.0,
    ]


def _rate(num: float, den: float) -> float:
    return num / den if den > 0 else 0.0


def _two_party_share(authors: Sequence[str]) -> float:
    if not authors:
        return 0.0
    counts: dict[str, int] = {}
    for a in authors:
        counts[a] = counts.get(a, 0) + 1
    top = sorted(counts.values(), reverse=True)[:2]
    return sum(top) / len(authors)
