"""The claim model (``model``, ``symbols``, ``symbolic``) and running it: instance grids
(``instances``), the checker (``check``), the Dask runner (``distributed``), counterexample
search (``search``), values as JSON and table cells (``serialize``)."""
