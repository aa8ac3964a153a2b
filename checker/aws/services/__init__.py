"""Rules that individual AWS services add on top of the general evaluation flow, one module each."""
