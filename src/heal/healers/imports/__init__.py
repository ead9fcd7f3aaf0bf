"""Imports fixers."""
