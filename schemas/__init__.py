"""Pydantic models of Tessera's schema language (bases, tables, fields, views) and presets."""
