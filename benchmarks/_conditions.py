"""Recording conditions for the robustness benchmark: each maps one clean clip to a degraded one.

Every function takes a clip's true-length float32 samples (16 kHz) and a NumPy generator and
returns the degraded samples (float32, possibly of another length). Levels:

- *SNR* is measured against the clip's active speech: the mean power of the span that
  ``skser.preprocessing.Trimmer(top_db=20)`` keeps, not of the leading and trailing silence.
- *dBFS* is ``20 log10(RMS)`` of the noise samples (full scale 1.0).
"""

import io

import numpy as np
from scipy import signal

SAMPLE_RATE = 16000


def speech_power(clip):
    """Mean power of the span ``Trimmer(top_db=20)`` keeps."""
    from skser.preprocessing import nonsilent_interval

    start, end = nonsilent_interval(clip, top_db=20.0)
    return float(np.mean(np.square(clip[start:end], dtype=np.float64)))


def add_at_snr(clip, noise, snr_db):
    """``clip`` plus ``noise`` scaled to ``snr_db`` below the clip's speech power."""
    noise = noise[: clip.size].astype(np.float64)
    scale = np.sqrt(speech_power(clip) / 10 ** (snr_db / 10) / np.mean(noise**2))
    return (clip + scale * noise).astype(np.float32)


def white_noise(snr_db):
    def degrade(clip, rng, babble=None):
        return add_at_snr(clip, rng.standard_normal(clip.size), snr_db)

    return degrade


def babble_noise(snr_db):
    """Other talkers: ``babble`` is a long signal of summed speech; a random stretch of it."""

    def degrade(clip, rng, babble=None):
        start = int(rng.integers(0, babble.size - clip.size))
        return add_at_snr(clip, babble[start : start + clip.size], snr_db)

    return degrade


def make_babble(clips, rng, n_talkers=6, seconds=60.0):
    """``n_talkers`` streams of speech (random clips end to end), summed: ``seconds`` long."""
    from skser.io import clip_lengths

    width = int(seconds * SAMPLE_RATE)
    total = np.zeros(width)
    lengths = clip_lengths(clips)
    for _ in range(n_talkers):
        parts, size = [], 0
        while size < width:
            index = int(rng.integers(len(clips)))
            part = clips[index, : lengths[index]].astype(np.float64)
            part /= np.sqrt(np.mean(part**2)) + 1e-12  # each talker at the same level
            parts.append(part)
            size += part.size
        total += np.concatenate(parts)[:width]
    return total.astype(np.float32)


def noise_floor(dbfs):
    """White noise at an absolute level: a phone's or a cheap microphone's hiss."""

    def degrade(clip, rng, babble=None):
        noise = rng.standard_normal(clip.size) * 10 ** (dbfs / 20)
        return (clip + noise).astype(np.float32)

    return degrade


def telephone(low=300.0, high=3400.0):
    """The telephone band: a 4th-order Butterworth band-pass, applied causally."""
    sos = signal.butter(4, [low, high], btype="bandpass", fs=SAMPLE_RATE, output="sos")

    def degrade(clip, rng, babble=None):
        return signal.sosfilt(sos, clip).astype(np.float32)

    return degrade


def codec(format, subtype):
    """A lossy round trip through libsndfile's encoder (soundfile's defaults)."""
    import soundfile

    def degrade(clip, rng, babble=None):
        buffer = io.BytesIO()
        soundfile.write(buffer, clip, SAMPLE_RATE, format=format, subtype=subtype)
        buffer.seek(0)
        decoded, _ = soundfile.read(buffer, dtype="float32")
        return decoded

    return degrade


def telephone_g711():
    """A narrow-band line: 8 kHz, 300-3400 Hz, G.711 mu-law (skser.preprocessing.telephone)."""
    from skser.preprocessing import telephone as line

    def degrade(clip, rng, babble=None):
        return line(clip).astype(np.float32)

    return degrade


def gsm_line():
    """GSM 6.10 (full rate, the 2G mobile codec) at 8 kHz: libsndfile's encoder, then read
    back at 16 kHz as skser reads an 8 kHz file."""
    import soundfile
    import soxr

    from skser.io import load_audio

    def degrade(clip, rng, babble=None):
        narrow = soxr.resample(clip, SAMPLE_RATE, 8000, quality="HQ")
        buffer = io.BytesIO()
        soundfile.write(buffer, np.clip(narrow, -1, 1), 8000, format="WAV", subtype="GSM610")
        buffer.seek(0)
        return load_audio(buffer)

    return degrade


def file_at_8k():
    """A file recorded at 8 kHz (16-bit PCM, no codec), read as skser reads any file."""
    import soundfile
    import soxr

    from skser.io import load_audio

    def degrade(clip, rng, babble=None):
        buffer = io.BytesIO()
        narrow = np.clip(soxr.resample(clip, SAMPLE_RATE, 8000, quality="HQ"), -1, 1)
        soundfile.write(buffer, narrow, 8000, format="WAV", subtype="PCM_16")
        buffer.seek(0)
        return load_audio(buffer)

    return degrade


def codec_available(format, subtype):
    import soundfile

    return subtype in soundfile.available_subtypes(format)


def gain(db):
    def degrade(clip, rng, babble=None):
        return (clip * 10 ** (db / 20)).astype(np.float32)

    return degrade


def reverberation(rt60=0.5, direct_to_reverb_db=0.0):
    """A synthetic room: exponentially decaying white noise (``rt60`` s) after a direct path.

    The tail's energy is ``direct_to_reverb_db`` below the direct sound's; the output keeps
    the clip's length plus the tail.
    """

    def degrade(clip, rng, babble=None):
        n = int(rt60 * SAMPLE_RATE)
        t = np.arange(n) / SAMPLE_RATE
        tail = rng.standard_normal(n) * 10 ** (-3 * t / rt60)  # -60 dB at rt60
        tail[0] = 0.0
        tail *= np.sqrt(10 ** (-direct_to_reverb_db / 10) / np.sum(tail**2))
        response = np.concatenate([[1.0], tail[1:]])
        return signal.fftconvolve(clip, response).astype(np.float32)

    return degrade


def conditions(opus=False):
    """The conditions, in the order they are reported: name -> degrade(clip, rng, babble).

    Opus only with ``opus=True``: libsndfile's Opus encoder took 547 s for RAVDESS's 336
    clips on this project's loaded 2-core machine (MP3: 68 s).
    """
    table = {"clean": lambda clip, rng, babble=None: clip}
    for snr in (30, 20, 10, 5):
        table[f"white noise {snr} dB SNR"] = white_noise(snr)
    for snr in (30, 20, 10, 5):
        table[f"babble {snr} dB SNR"] = babble_noise(snr)
    table["noise floor -60 dBFS"] = noise_floor(-60.0)
    table["telephone 300-3400 Hz"] = telephone()
    table["telephone G.711 8 kHz"] = telephone_g711()
    if codec_available("WAV", "GSM610"):
        table["GSM 6.10 8 kHz"] = gsm_line()
    table["8 kHz file"] = file_at_8k()
    codecs = [("MP3", "MP3", "MPEG_LAYER_III")] + ([("Opus", "OGG", "OPUS")] if opus else [])
    for label, format, subtype in codecs:
        if codec_available(format, subtype):
            table[f"{label} (libsndfile default)"] = codec(format, subtype)
    table["gain -20 dB"] = gain(-20.0)
    for rt60 in (0.3, 0.6, 0.9):
        table[f"reverberation RT60 {rt60} s"] = reverberation(rt60)
    return table
