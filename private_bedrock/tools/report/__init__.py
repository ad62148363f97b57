"""The synth report: what `make synth` built, what it costs, where each model runs."""
