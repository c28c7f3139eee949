"""The read model of batches and results, folded from events and served over internal HTTP."""
