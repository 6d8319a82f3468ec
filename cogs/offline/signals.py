"""What each scorer input means to a moderator: the "why" behind an automatic prompt.

Only these descriptions are ever shown or stored about an exchange, never its text. Several
inputs share a description so a moderator reads one reason, not three spellings of it.
"""

from __future__ import annotations

from collections.abc import Iterable

HEATED_WORDING = "wording that often comes before a thread turns sour"
SIGNALS: dict[str, str] = {
    "log_n_msgs": "a long back-and-forth",
    "log_len_mean": "long messages",
    "len_growth": "messages getting longer",
    "you_rate": "second-person address (\"you\")",
    "you_trend": "rising second-person address",
    "you_start_rate": "sentences aimed at \"you\"",
    "you_msg_frac": "second-person address in most messages",
    "first_you_rate": "an opening aimed at \"you\"",
    "me_rate": "first-person insistence",
    "neg_rate": "many negations",
    "q_rate": "many questions",
    "q_you_last2": "pointed questions at each other",
    "wh_start_last2": "challenging why/how questions",
    "prof_any": "profanity",
    "negv_rate": "negative tone",
    "negv_trend": "the tone getting more negative",
    "negv_imbalance": "one side much more negative than the other",
    "posv_rate": "little warmth",
    "compound_last": "a sour last message",
    "compound_min": "a sour message in the exchange",
    "hedge_rate": "few hedges (\"maybe\", \"I think\")",
    "hedge_trend": "hedging dropping away",
    "polite_rate": "little politeness",
    "polite_trend": "politeness dropping away",
    "attack_rate": "hostile or dismissive words",
    "attack_last2": "hostile or dismissive words in the latest messages",
    "attack_max": "a hostile message",
    "first_attack": "a hostile opening",
    "quote_any": "quoting each other back",
    "excl_rate": "exclamations",
    "len_imbalance": "one side writing much more than the other",
    "fact_rate": "flat assertions (\"the fact is\")",
    "link_any": "links",
    "two_party_share": "two people doing most of the talking",
    "lex_last2": HEATED_WORDING,
    "lex_last": HEATED_WORDING,
    "lex_first": HEATED_WORDING,
    "lex_max": HEATED_WORDING,
    "lex_mean": HEATED_WORDING,
    "grat_last2": "no thanks in the latest messages",
    "grat_any": "no thanks in the exchange",
}
SIGNALS["fast"] = "fast back-and-forth"
SIGNALS["two_people"] = "between two people"


def describe(names: Iterable[str]) -> list[str]:
    """Distinct descriptions, in the order given (strongest first)."""
    out: list[str] = []
    for n in names:
        d = SIGNALS.get(n, n)
        if d not in out:
            out.append(d)
    return out
