"""HTTP routes and background workers; thin, the use cases live in service_layer."""
