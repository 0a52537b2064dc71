"""The kernel: what every domain model stands on (errors, actor, community-scoped aggregate, clock).

Standard library and the `eventsourcing` library only: no infrastructure, no web framework, no metrics.
"""
