"""The exchange-level vector the logistic model scores, and the names of its features.

``exchange_vector`` turns a window of per-message features (``messages.MsgFeatures``) plus their
authors into a fixed-length vector. It only does arithmetic over the window's tuples, never
touches text, so it is cheap enough to rerun on every message.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cogs.offline.messages import MsgFeatures

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
