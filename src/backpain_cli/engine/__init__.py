"""The engine layer: pure decisions over the knowledge model (the pathway, answers, ladder, search, compare)."""
