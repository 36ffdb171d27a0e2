"""The register's storage: models, engine and sessions, migrations, search and operations."""
