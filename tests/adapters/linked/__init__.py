"""Support for the linked-spaces tests and benchmark: one bot with the real Discord adapter
(against tests/discord_fake) and the real Matrix adapter (against the session's Synapse)."""
