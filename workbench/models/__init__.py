"""Models: the model protocol, names -> models (entry points, cards, loaders), typed settings, adapters, weights and revisions."""
