"""The timeline plot of a voice note."""

from pathlib import Path

import numpy as np

__all__ = ["plot_timeline"]

SPEECH_COLOR = "0.88"
_BAND = (1.03, 0.09)  # the winning-class band, above the probabilities: (bottom, height)


def _owned_spans(windows):
    """Each window's own stretch: where two overlap, each owns its half of the overlap."""
    starts, ends = windows[:, 0].astype(float), windows[:, 1].astype(float)
    if len(windows) > 1:
        overlap = windows[1:, 0] < windows[:-1, 1]
        middle = (windows[1:, 0] + windows[:-1, 1]) / 2
        starts[1:] = np.where(overlap, middle, starts[1:])
        ends[:-1] = np.where(overlap, middle, ends[:-1])
    return starts, ends


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
        window centres, broken by NaN where windows do not touch. Each window's
        probabilities are also opaque bars over the part of the note it owns: where
        windows overlap, each owns its half of the overlap, so no bars lie on each other.
        A band above the plot (a collection per class, after the shading) colours each
        window's stretch with its winning class, labelled where it is wide enough.
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
    starts, ends = _owned_spans(windows)
    winners = np.argmax(result.window_proba, axis=1) if len(windows) else np.array([], int)
    colors = []
    for index, name in enumerate(result.classes.tolist()):
        values = np.insert(result.window_proba[:, index], breaks, np.nan)
        (line,) = ax.plot(centres, values, marker="o", markersize=3, label=str(name))
        colors.append(line.get_color())
        # Each window's probability spans the audio it owns, opaque: nothing blends.
        ax.hlines(result.window_proba[:, index], starts, ends, colors=line.get_color(),
                  linewidth=2.5)
    for index, color in enumerate(colors):
        won = winners == index
        ax.broken_barh(list(zip(starts[won], ends[won] - starts[won])), _BAND,
                       facecolors=color, edgecolors="white", linewidth=0.5, zorder=3)
    span = max(result.duration, 1e-3)
    for start, end, winner in zip(starts, ends, winners):
        if end - start >= 0.04 * span:
            ax.text((start + end) / 2, _BAND[0] + _BAND[1] / 2, str(result.classes[winner]),
                    ha="center", va="center", fontsize="small", color="white",
                    fontweight="bold", zorder=4)
    ax.set_xlim(0.0, max(result.duration, 1e-3))
    ax.set_ylim(0.0, _BAND[0] + _BAND[1] + 0.01)
    ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("time (s)")
    ax.set_ylabel("probability (band: each window's winner)")
    if result.label is None:
        verdict = "no speech found"
    else:
        top = float(np.max(result.proba))
        verdict = f"{result.label} ({top:.2f}, {result.aggregation} of {result.n_windows} windows)"
    title = f"{Path(result.source).name}: {verdict}" if result.source else verdict
    ax.set_title(title, fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return ax
