"""Test-only helpers: a real Synapse on loopback, nio clients for human test users, and a
runner for the real bot with the real Matrix adapter."""

from .clients import BotMessage, Human, eventually
from .runner import BotRunner, HumanFactory, card_now, dm_reminder_due, room_with, until_card
from .synapse import SERVER_NAME, Account, Synapse

__all__ = ["SERVER_NAME", "Account", "BotMessage", "BotRunner", "Human", "HumanFactory",
           "Synapse", "card_now", "dm_reminder_due", "eventually", "room_with", "until_card"]
