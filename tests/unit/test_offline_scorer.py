"""Behaviour of the take-it-offline heat scorer (cogs/offline)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cogs.offline.messages import MAX_CHARS, message_features
from cogs.offline.scorer import MODEL_PATH, SENSITIVITIES, ChannelHeat, HeatScorer, Msg

REPO = Path(__file__).resolve().parents[2]

HEATED = [
    "i think the policy is mostly fine, it just needs some tweaks.",
    "no, you clearly didn't read what i wrote. that's not what i said at all.",
    "you keep ignoring the point. why do you even bother replying if you won't read?",
    "this is ridiculous. you have no idea what you're talking about, it's pure nonsense.",
    "you're wrong and you know it. stop twisting my words, you're being dishonest and stupid.",
    "seriously? you are the one lying here. your argument is garbage and you're a hypocrite. "
    "did you even read the article? obviously not, because you never do.",
]
CALM = [
    "i think the policy is mostly fine, it just needs some tweaks.",
    "that's a fair point, thanks. i hadn't considered the funding side of it.",
    "glad it helped! i'd be interested in what the research says about it too.",
    "good idea, here is a study i found: https://example.org/report it seems fairly balanced.",
    "thank you, that makes sense. i appreciate you taking the time to explain it.",
    "happy to help, perhaps we can look at the follow-up study as well. great discussion.",
]


def _exchange(texts: list[str], gap_s: float = 20.0) -> list[Msg]:
    out: list[Msg] = []
    for i, text in enumerate(texts):
        author = "alice" if i % 2 == 0 else "bob"
        other = "bob" if author == "alice" else "alice"
        out.append(Msg(author=author, ts=1_700_000_000.0 + i * gap_s,
                       reply_to=other if i else None, text=text))
    return out


@pytest.fixture(scope="module")
def scorer() -> HeatScorer:
    return HeatScorer()


def test_thresholds_are_ordered(scorer: HeatScorer) -> None:
    low, medium, high = (scorer.threshold(s) for s in SENSITIVITIES)
    assert 0.0 < high <= medium <= low < 1.0
    with pytest.raises(ValueError):
        scorer.threshold("extreme")


def test_heated_exchange_beats_medium_and_calm(scorer: HeatScorer) -> None:
    heated = _exchange(HEATED)
    calm = _exchange(CALM)
    assert len(heated) == len(calm)
    h = scorer.score(heated)
    c = scorer.score(calm)
    assert h > c + 0.15, (h, c)
    assert h >= scorer.threshold("medium")
    assert scorer.is_heated(heated, "medium")
    assert not scorer.is_heated(calm, "low")
    assert not scorer.is_heated(calm, "medium")


def test_channel_heat_matches_batch_score_and_tracks_participants(scorer: HeatScorer) -> None:
    ch = ChannelHeat(scorer)
    last = 0.0
    for m in _exchange(HEATED):
        last = ch.observe(m)
    assert last == pytest.approx(scorer.score(_exchange(HEATED)))
    assert ch.participants() == ["alice", "bob"]
    ch.reset()
    assert ch.participants() == []
    assert len(ch) == 0


def test_heat_rises_as_the_exchange_escalates(scorer: HeatScorer) -> None:
    ch = ChannelHeat(scorer)
    scores = [ch.observe(m) for m in _exchange(HEATED)]
    assert scores[-1] > scores[0]


def test_window_bounded_and_old_messages_expire(scorer: HeatScorer) -> None:
    ch = ChannelHeat(scorer, window=5, max_age_s=100)
    for i in range(50):
        ch.observe(Msg(author=f"u{i % 7}", ts=float(i), reply_to=None, text="hello there " * 50))
    assert len(ch) == 5
    # A message far past max_age expires the whole old window.
    ch.observe(Msg(author="late", ts=1000.0, reply_to=None, text="anyone around?"))
    assert len(ch) == 1
    assert ch.participants() == ["late"]


def test_channel_memory_does_not_grow_with_messages(scorer: HeatScorer) -> None:
    ch = ChannelHeat(scorer)
    for i in range(30):
        ch.observe(Msg(author="a" if i % 2 else "b", ts=float(i), reply_to=None, text="x y z " * 40))
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    for i in range(30, 2000):
        ch.observe(Msg(author="a" if i % 2 else "b", ts=float(i), reply_to=None, text="x y z " * 40))
    cur, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert cur - base < 20_000
    assert len(ch) == ch.window


def test_text_is_never_kept(scorer: HeatScorer) -> None:
    ch = ChannelHeat(scorer)
    secret = "my-secret-phrase-123"
    ch.observe(Msg(author="a", ts=1.0, reply_to=None, text=f"you said {secret}?"))
    for _, _, feats, _ in ch._items:
        assert all(not isinstance(v, str) for v in feats)


def test_no_text_is_conservative(scorer: HeatScorer) -> None:
    blind = [Msg(m.author, m.ts, m.reply_to, None) for m in _exchange(HEATED)]
    s = scorer.score(blind)
    assert s < scorer.threshold("low")
    assert s < scorer.threshold("medium")
    assert s < scorer.score(_exchange(HEATED))


def test_group_chat_scores_lower_than_two_person_exchange(scorer: HeatScorer) -> None:
    two = _exchange(HEATED)
    crowd = [Msg(f"user{i}", m.ts, None, m.text) for i, m in enumerate(two)]
    assert scorer.score(crowd) < scorer.score(two)


def test_huge_text_is_truncated_and_cheap() -> None:
    f = message_features("you idiot " * 100_000)
    assert f.n_tok <= MAX_CHARS // 2 + 1


_text = st.one_of(st.none(), st.text(max_size=300), st.text(alphabet="?!. you'\n>", max_size=60))
_msg = st.builds(
    Msg,
    author=st.text(max_size=5),
    ts=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    reply_to=st.one_of(st.none(), st.text(max_size=5)),
    text=_text,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_msg, max_size=20))
def test_weird_input_never_raises(msgs: list[Msg]) -> None:
    scorer = HeatScorer()
    s = scorer.score(msgs)
    assert 0.0 <= s <= 1.0
    for sens in SENSITIVITIES:
        assert isinstance(scorer.is_heated(msgs, sens), bool)
    ch = ChannelHeat(scorer, window=4)
    for m in msgs:
        v = ch.observe(m)
        assert 0.0 <= v <= 1.0
    assert len(ch) <= 4


@pytest.mark.subprocess
def test_evaluate_module_prints_all_metrics(tmp_path: Path) -> None:
    rows = [
        {"conversation_id": 1, "comments": HEATED, "derails": True},
        {"conversation_id": 2, "comments": CALM, "derails": False},
        {"conversation_id": 3, "comments": HEATED[:3], "derails": True,
         "authors": ["x", "y", "x"]},
        {"conversation_id": 4, "comments": CALM[:2], "derails": False},
    ]
    data = tmp_path / "convs.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\nthis is not json\n{}\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-m", "cogs.offline.evaluate", "--data", str(data),
         "--sensitivity", "medium"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("n", "accuracy", "precision", "recall", "f1", "false_positive_rate",
                "flag_rate", "precision_at_top10", "skipped"):
        assert key in res
    assert res["n"] == 4
    assert res["skipped"] == 2
    assert 0.0 <= res["accuracy"] <= 1.0
    # The heated conversation must rank top, so the top-10% (1 conversation) is a derailment.
    assert res["precision_at_top10"] == 1.0


def test_lexicon_scores_tokens_and_bigrams_once_each() -> None:
    lex = {"you are": 1.0, "liar": 0.5, "wrong": -0.25}
    f = message_features("You are wrong... you are a liar, a LIAR!", lex)
    # distinct terms: "you are" once, "liar" once, "wrong" once
    assert f.lex == pytest.approx(1.25)
    assert f.n_uniq > f.n_tok / 2
    assert f.lex_n == pytest.approx(f.lex / f.n_uniq ** 0.5)
    assert message_features("you are", None).lex == 0.0


def test_shipped_model_matches_feature_layout_and_is_small() -> None:
    from cogs.offline.features import FEATURE_NAMES

    path = REPO / "cogs" / "offline" / "model.json"
    assert path.stat().st_size < 1_000_000
    model = json.loads(path.read_text())
    assert model["features"] == list(FEATURE_NAMES)
    assert len(model["coef"]) == len(FEATURE_NAMES)


@pytest.mark.subprocess
def test_evaluate_per_domain_scores_each_domain_as_its_own_channel(tmp_path: Path) -> None:
    rows = []
    for _ in range(30):
        rows.append({"comments": HEATED, "derails": True, "domain": "forum"})
        rows.append({"comments": CALM, "derails": False, "domain": "forum"})
    for i in range(20):
        rows.append({"comments": HEATED[:2], "derails": i % 2 == 0, "domain": "tracker"})
    rows.append({"comments": CALM[:2], "derails": False})
    data = tmp_path / "mixed.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run(
        [sys.executable, "-m", "cogs.offline.evaluate", "--data", str(data), "--per-domain",
         "--sensitivity", "medium"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1  # one JSON object per run
    res = json.loads(lines[0])
    assert res["n"] == 81
    assert set(res["domains"]) == {"forum", "tracker", "(none)"}
    forum = res["domains"]["forum"]
    assert forum["n"] == 60 and res["domains"]["tracker"]["n"] == 20
    # Within the forum every heated conversation outscores every calm one, so at `medium` the
    # flags are heated ones only.
    assert forum["fp"] == 0 and forum["tp"] > 0
    assert sum(d["n"] for d in res["domains"].values()) == res["n"]


def test_signals_name_the_reasons_without_text(scorer: HeatScorer) -> None:
    from cogs.offline.signals import describe, description

    heat = ChannelHeat(scorer)
    for m in _exchange(HEATED, gap_s=20):
        heat.observe(m)
    names = heat.signals()
    assert "two_people" in names and "fast" in names
    assert all(description(n) is not None for n in names)
    said = " ".join(describe(names))
    assert "fast back-and-forth" in said and "between two people" in said
    for line in HEATED:
        assert line not in said
    calm = ChannelHeat(scorer)
    for m in _exchange(CALM, gap_s=900):
        calm.observe(m)
    assert "fast" not in calm.signals()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(HEATED + CALM + [
    "thanks, that works", "why would you even say that?", "no. no. NO!", "maybe, I think so",
    "you you you", "ok", "I disagree, the fact is you are wrong", "lol", "please stop",
    "https://example.org read this", "> you said this\nand I say that"]), min_size=1, max_size=14),
    st.booleans())
def test_every_reason_given_is_true_of_the_exchange(scorer: HeatScorer, texts: list[str],
                                                    two: bool) -> None:
    """A signal says an input was above its usual value, or below it (a trailing "-"); the
    words shown for it say the same. The bot never names a reason that is not so: a two-line
    exchange is never "a long back-and-forth", and "a hostile opening" needs one."""
    from cogs.offline.features import FEATURE_NAMES, exchange_vector
    from cogs.offline.signals import DIRECTIONS, EXTRA, LOW, SIGNED

    model = json.loads(Path(MODEL_PATH).read_text(encoding="utf-8"))
    mean = dict(zip(model["features"], model["mean"], strict=True))
    msgs = _exchange(texts)
    if not two:  # a group, not a duel
        msgs = [Msg(f"u{i % 3}", m.ts, None, m.text) for i, m in enumerate(msgs)]
    heat = ChannelHeat(scorer)
    for m in msgs:
        heat.observe(m)
    window = msgs[-scorer.window:]
    x = dict(zip(FEATURE_NAMES, exchange_vector([scorer.features(m.text) for m in window],
                                                [m.author for m in window]), strict=True))
    for signal in heat.signals():
        if signal in EXTRA:
            continue
        name = signal.removesuffix(LOW)
        below = signal.endswith(LOW)
        assert DIRECTIONS[name][1 if below else 0] is not None
        assert (x[name] < mean[name]) if below else (x[name] > mean[name]), (signal, x[name], mean[name])
        if name in SIGNED:  # "getting longer", "sour": said of the value itself, not of the mean
            assert (x[name] < 0) if below else (x[name] > 0), (signal, x[name])
