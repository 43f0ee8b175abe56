"""The views layer: pathways and options rendered for a person (Rich), for a program (JSON) and for paper (a plan)."""
