"""Decisions in a pool of worker processes the hook deadline can stop (see ``pool``)."""
