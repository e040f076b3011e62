"""The networks: each module holds one family (see ../../STYLE of the project: models/nets)."""
