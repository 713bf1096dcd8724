"""What the tool remembers between runs: the model's sentence translations (store.py), people's
corrections of them, and both in and out as TMX, in one SQLite file. It may import only the
models' ``Generated``, text/ and the foundations: never the engine or a door."""
