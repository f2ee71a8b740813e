"""Rules: the model (what a rule says), periods (how long), and the loader (YAML in, checked)."""
