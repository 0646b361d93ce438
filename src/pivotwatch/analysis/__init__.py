"""Indicators, written as Ibis expressions that run on any Ibis backend."""
