"""The IGS site generator: load → validate → model → render → write."""

ENGINE_VERSION = "1"
