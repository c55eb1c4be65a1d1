"""fertsim simulation: the model, region packs, synthetic population and indicators."""
