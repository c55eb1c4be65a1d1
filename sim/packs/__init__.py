"""Region packs: data directories (one per region) and the scripts that build them."""
