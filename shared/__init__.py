"""Mechanics shared by every shequ service: settings, envelope, relay, projector runtime, metrics, auth."""
