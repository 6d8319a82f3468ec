"""What each scorer input means to a moderator: the "why" behind an automatic prompt.

Only these descriptions are ever shown or stored about an exchange, never its text. Several
inputs share a description so a moderator reads one reason, not three spellings of it.

An input pushes the score up either by being higher than usual or by being lower than usual,
depending on the sign of its learned weight. So each input has a description for each
direction: what is true of the exchange when the input is above its training mean, and when
it is below. The "below" signal is named with a trailing `-`. A direction that would not read
as a reason to speak up (a short exchange, many hedges) has no description, and such a
signal is never given: the bot names only reasons that are both true and meaningful.
"""

from __future__ import annotations

from collections.abc import Iterable

LOW = "-"  # suffix of a signal that pushed the score up by being below its usual value
HEATED_WORDING = "wording that often comes before a thread turns sour"
YOU = "second-person address (\"you\")"
# name: (description when above its training mean, description when below it)
DIRECTIONS: dict[str, tuple[str | None, str | None]] = {
    "log_n_msgs": ("a long back-and-forth", None),
    "log_len_mean": ("long messages", "short, clipped messages"),
    "len_growth": ("messages getting longer", "messages getting shorter"),
    "you_rate": (YOU, None),
    "you_trend": ("rising second-person address", None),
    "you_start_rate": ("sentences aimed at \"you\"", None),
    "you_msg_frac": ("second-person address in most messages", None),
    "first_you_rate": ("an opening aimed at \"you\"", None),
    "me_rate": ("first-person insistence", None),
    "neg_rate": ("many negations", None),
    "q_rate": ("many questions", None),
    "q_you_last2": ("pointed questions at each other", None),
    "wh_start_last2": ("challenging why/how questions", None),
    "prof_any": ("profanity", None),
    "negv_rate": ("negative tone", None),
    "negv_trend": ("the tone getting more negative", None),
    "negv_imbalance": ("one side much more negative than the other", None),
    "posv_rate": (None, "little warmth"),
    "compound_last": (None, "a sour last message"),
    "compound_min": (None, "a sour message in the exchange"),
    "hedge_rate": (None, "few hedges (\"maybe\", \"I think\")"),
    "hedge_trend": (None, "hedging dropping away"),
    "polite_rate": (None, "little politeness"),
    "polite_trend": (None, "politeness dropping away"),
    "attack_rate": ("hostile or dismissive words", None),
    "attack_last2": ("hostile or dismissive words in the latest messages", None),
    "attack_max": ("a hostile message", None),
    "first_attack": ("a hostile opening", None),
    "quote_any": ("quoting each other back", None),
    "excl_rate": ("exclamations", None),
    "len_imbalance": ("one side writing much more than the other", None),
    "fact_rate": ("flat assertions (\"the fact is\")", None),
    "link_any": ("links", None),
    "two_party_share": ("two people doing most of the talking", None),
    "lex_last2": (HEATED_WORDING, None),
    "lex_last": (HEATED_WORDING, None),
    "lex_first": (HEATED_WORDING, None),
    "lex_max": (HEATED_WORDING, None),
    "lex_mean": (HEATED_WORDING, None),
    "grat_last2": (None, "no thanks in the latest messages"),
    "grat_any": (None, "no thanks in the exchange"),
}
# Signals that are not inputs of the model: the pace rule and who is talking.
EXTRA = {"fast": "fast back-and-forth", "two_people": "between two people"}


# Inputs whose words say more than "above or below usual": a change ("getting longer",
# "dropping away") or a tone ("sour") is said only when the value itself has that sign.
SIGNED = frozenset({"len_growth", "you_trend", "negv_trend", "hedge_trend", "polite_trend",
                    "compound_last", "compound_min"})


def signal_name(feature: str, above_mean: bool, value: float) -> str | None:
    """The signal for `feature` (now `value`) pushing the score up from that side of its
    mean, or None when that direction has no description that is true of it."""
    high, low = DIRECTIONS.get(feature, (None, None))
    if feature in SIGNED and not (value > 0.0 if above_mean else value < 0.0):
        return None
    if above_mean:
        return feature if high is not None else None
    return feature + LOW if low is not None else None


def description(signal: str) -> str | None:
    if signal in EXTRA:
        return EXTRA[signal]
    if signal.endswith(LOW):
        return DIRECTIONS.get(signal[:-1], (None, None))[1]
    return DIRECTIONS.get(signal, (None, None))[0]


def describe(names: Iterable[str]) -> list[str]:
    """Distinct descriptions, in the order given (strongest first); names it does not know
    (a signal stored by another version) are left out rather than guessed at."""
    out: list[str] = []
    for n in names:
        d = description(n)
        if d is not None and d not in out:
            out.append(d)
    return out
