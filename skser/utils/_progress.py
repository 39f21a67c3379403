"""Progress bars for long loops (tqdm, where it is installed)."""


def progress(iterable, *, verbose, desc, total=None, unit="it"):
    """Wrap ``iterable`` in a tqdm bar when ``verbose`` is truthy.

    Parameters
    ----------
    iterable : iterable
        What to loop over.
    verbose : bool or int
        No bar when falsy.
    desc : str
        The bar's label.
    total : int, optional
        The number of items, where ``len(iterable)`` does not tell it.
    unit : str, default="it"
        The name of one item.

    Returns
    -------
    iterable
        ``iterable`` itself, or a tqdm bar over it. Without tqdm (the deployment
        install, which has no training extras) there is no bar.

    Examples
    --------
    >>> list(progress(range(3), verbose=False, desc="clips"))
    [0, 1, 2]
    """
    if not verbose:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, desc=desc, total=total, unit=unit, leave=False)
