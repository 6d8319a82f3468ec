"""Word lists the per-message features count, loaded once at import.

VADER and better-profanity are used for their *word lists* only: their own scoring functions are
far too slow for the per-message budget. Phrase lists are also kept space-padded, the form
``messages`` searches its spaced text for, so a phrase only matches whole words.
"""

from __future__ import annotations

import os


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
