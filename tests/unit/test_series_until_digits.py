"""A time or date typed with other digits is refused with what it reads as; the text offered to
type instead is one the command itself takes, read as the command reads it: until= takes a date
(a time of day in it is refused too), and a series edit's time of day is on its own day."""
from bot.testing import FakeAdapter

CREATE = '!event create Run when="2026-11-28 18:00" repeat=weekly'


async def test_until_with_a_time_in_other_digits_offers_nothing_until_refuses(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    [refused] = await fake.invoke(f'{CREATE} until="２０２６-12-31 18:00"')
    assert refused.text.startswith("⚠️"), refused.text
    assert "reads as 2026-12-31 18:00" in refused.text, refused.text
    assert 'type "2026-12-31 18:00"' not in refused.text, refused.text
    # what it would have offered is refused in turn: a time in until=
    [typed] = await fake.invoke(f'{CREATE} until="2026-12-31 18:00"')
    assert typed.text.startswith("⚠️") and "takes a date" in typed.text, typed.text


async def test_until_date_in_other_digits_offers_that_date(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    [refused] = await fake.invoke(f'{CREATE} until=２０２６-12-31')
    assert refused.text.startswith("⚠️"), refused.text
    assert '(Thu 31 Dec 2026); if that is what you meant, type "2026-12-31"' in refused.text, refused.text
    assert not fake.log[-1].text.startswith("🔁")


async def test_series_edit_time_in_other_digits_reads_as_on_its_own_day(fake: FakeAdapter, bot) -> None:  # type: ignore[no-untyped-def]
    await fake.invoke(CREATE, mod=True)  # #1 on Sat 28 Nov; today is Mon 23 Nov
    [refused] = await fake.invoke('!event edit 1 when=１９:30 series', mod=True)
    assert refused.text.startswith("⚠️"), refused.text
    assert "Sat 28 Nov 2026 19:30" in refused.text, refused.text
    assert "Mon 23 Nov" not in refused.text, refused.text
    [done] = await fake.invoke('!event edit 1 when=19:30 series', mod=True)
    assert done.text.startswith("✅"), done.text
    assert "Sat 28 Nov" in done.text or "28 Nov" in done.text, done.text
