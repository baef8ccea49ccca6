"""Persistence: the tables, the engine and sessions, the test users' accounts."""
