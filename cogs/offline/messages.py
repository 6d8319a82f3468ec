"""Per-message features: one message's text -> ``MsgFeatures``, a small tuple of counts.

``message_features`` runs once per observed message; the text is dropped afterwards, so only
these numbers are ever kept. ``lexicon_terms`` tokenises exactly the same way, so the lexicon is
trained on the very terms the scorer later looks up. Pure Python on purpose: the bot must not
pull numpy/sklearn at runtime.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import NamedTuple

from cogs.offline.cues import GRATITUDE, strip_code
from cogs.offline.wordlists import (
    ATTACK,
    ATTACK_PADDED,
    FACT_PADDED,
    FIRST_PERSON,
    HEDGE_PADDED,
    HEDGES,
    NEGATIONS,
    POLITE,
    POLITE_PADDED,
    PROFANITY,
    PROFANITY_PADDED,
    SECOND_PERSON,
    VADER,
    WH_WORDS,
)

# Per-message text cap. Every text feature is linear in length, so a cap bounds the cost of a
# wall of text; it is set to keep nearly every real comment whole.
MAX_CHARS = 2000

# VADER's own negation scalar: a negated word keeps most of its strength, with its sign flipped.
_N_SCALAR = -0.74

# Tokenising is the hot path and Python's ``re`` is slow per character, so tokens come from a
# C-level byte translation instead: ASCII punctuation -> space, sentence terminators
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
# once, an order of magnitude cheaper than intersecting the message with each word list.
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
    # for every phrase on every message.
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
    # In order of first appearance, not a set's: the lexicon sum below then adds in the same
    # order in every process, so a score does not differ in its last bits with the hash seed.
    pairs = dict.fromkeys(zip(toks, toks[1:], strict=False))
    if lex_get is not None:
        if heads is None:
            heads = bigram_heads(lexicon or {})
        if heads:
            # Building every bigram string is costly on long messages; only pairs whose first
            # word starts a lexicon bigram can score, so only those strings are built.
            for a, b in pairs:
                if a in heads:
                    lw = lex_get(a + " " + b)
                    if lw is not None:
                        lex += lw
    n_terms = len(cnt) + len(pairs)
    if counts[_C_NEG] and (pos_v or neg_v):
        # VADER's rule: a word within three tokens after a negation has its valence flipped and
        # damped by ``_N_SCALAR``. Only messages with both a negation and sentiment words pay.
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
    # Counts stay ints: CPython caches small ints, so a window of features allocates far less
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
