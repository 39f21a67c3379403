"""The timeline plot of a voice note."""

from pathlib import Path

import numpy as np

__all__ = ["plot_timeline"]

SPEECH_COLOR = "0.88"


def plot_timeline(result, *, ax=None):
    """Plot class probabilities over time with the speech regions shaded.

    Parameters
    ----------
    result : VoiceNoteResult
        What :func:`analyze_voice_note` returned.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure's axes by default.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The shading is one collection (``ax.collections[0]``, a path per speech region)
        and each class one line (``ax.lines``, labelled with the class) through the
        window centres, broken by NaN where windows do not touch, with a bar over each
        window's span (a line collection per class).
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("plot_timeline needs matplotlib: pip install 'skser[plot]'") from exc
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5), layout="constrained")
    regions = np.asarray(result.speech_regions, dtype=float).reshape(-1, 2)
    ax.broken_barh(
        list(zip(regions[:, 0], regions[:, 1] - regions[:, 0])),
        (0.0, 1.0),
        facecolors=SPEECH_COLOR,
        edgecolors="none",
        label="speech (VAD)",
        zorder=0,
    )
    # Lines join windows that touch or overlap and break across pauses (NaN gaps).
    windows = result.windows
    breaks = np.flatnonzero(windows[1:, 0] > windows[:-1, 1]) + 1
    centres = np.insert(windows.mean(axis=1), breaks, np.nan)
    for index, name in enumerate(result.classes.tolist()):
        values = np.insert(result.window_proba[:, index], breaks, np.nan)
        (line,) = ax.plot(centres, values, marker="o", markersize=3, label=str(name))
        # Each window's probability also spans the audio it was computed on.
        ax.hlines(result.window_proba[:, index], windows[:, 0], windows[:, 1],
                  colors=line.get_color(), linewidth=2.5, alpha=0.45)
    ax.set_xlim(0.0, max(result.duration, 1e-3))
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("probability")
    if result.label is None:
        verdict = "no speech found"
    else:
        top = float(np.max(result.proba))
        verdict = f"{result.label} ({top:.2f}, {result.aggregation} of {result.n_windows} windows)"
    title = f"{Path(result.source).name}: {verdict}" if result.source else verdict
    ax.set_title(title, fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax
