"""The platform: mechanics every service shares (event store, relay, Kafka subscription loop, read store,
HTTP, auth, metrics, settings). Imports the kernel, never a service."""
