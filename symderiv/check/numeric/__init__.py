"""The numeric layer: numpy implementations, worked examples, and claims at random points."""
