"""Briefings: the questions an analyst asks about a relationship, answered with evidence."""
