import os

import numpy as np
import pytest
import soundfile as sf
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import make_pipeline

from skser.io import AudioLoader, AudioReadError, clip_lengths, load_audio
from skser.preprocessing import PeakNormalizer

from .conftest import chirp, tone, write_audio


@pytest.mark.parametrize(
    "name, subtype",
    [
        ("a.wav", "PCM_16"),
        ("a.wav", "PCM_24"),
        ("a.wav", "FLOAT"),
        ("a.flac", "PCM_16"),
        ("a.ogg", "VORBIS"),
        ("a.mp3", "MPEG_LAYER_III"),
    ],
)
def test_load_audio_reads_common_formats(tmp_path, name, subtype):
    samples = tone(1.0, 440.0, amplitude=0.5)
    path = write_audio(tmp_path / name, samples, subtype=subtype)
    loaded = load_audio(path)
    assert loaded.dtype == np.float32 and loaded.ndim == 1
    assert abs(loaded.size - samples.size) < 2000  # codecs may add priming samples
    assert 0.4 < np.abs(loaded).max() < 0.6
    if subtype.startswith("PCM") or subtype == "FLOAT":
        np.testing.assert_allclose(loaded, samples, atol=1e-4)


def test_load_audio_averages_channels(tmp_path):
    left, right = tone(0.5, 220.0, 0.4), tone(0.5, 220.0, 0.2)
    path = write_audio(tmp_path / "stereo.wav", np.stack([left, right], axis=1))
    np.testing.assert_allclose(load_audio(path), (left + right) / 2, atol=1e-4)


@pytest.mark.parametrize("file_rate", [8000, 22050, 44100, 48000])
def test_load_audio_resamples_to_16k(tmp_path, file_rate):
    path = write_audio(tmp_path / "x.wav", tone(1.0, 440.0, sample_rate=file_rate), file_rate)
    loaded = load_audio(path)
    assert loaded.size == 16000
    spectrum = np.abs(np.fft.rfft(loaded[2000:-2000] * np.hanning(12000)))
    assert abs(np.argmax(spectrum) * 16000 / 12000 - 440.0) < 3


def test_load_audio_to_another_rate(tmp_path):
    path = write_audio(tmp_path / "x.wav", tone(1.0), 16000)
    assert load_audio(path, sample_rate=8000).size == 8000


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.wav"):
        load_audio(tmp_path / "nope.wav")


def test_directory_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError, match="directory"):
        load_audio(tmp_path)


def test_empty_file_is_named(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioReadError, match=r"empty \(0 bytes\).*empty.wav"):
        load_audio(path)


@pytest.mark.parametrize(
    "content", [b"this is not audio at all" * 10, b"RIFF\x24\x00\x00\x00WAVEfmt garbage"]
)
def test_corrupt_file_is_named(tmp_path, content):
    path = tmp_path / "corrupt.wav"
    path.write_bytes(content)
    with pytest.raises(AudioReadError, match="cannot decode audio file .*corrupt.wav"):
        load_audio(path)


def test_file_without_samples_is_named(tmp_path):
    path = write_audio(tmp_path / "silent.wav", np.zeros(0, dtype=np.float32))
    with pytest.raises(AudioReadError, match="no samples.*silent.wav"):
        load_audio(path)


def test_bad_sample_rate_is_refused(tmp_path):
    path = write_audio(tmp_path / "x.wav", tone(0.1))
    with pytest.raises(ValueError, match="sample_rate"):
        load_audio(path, sample_rate=0)


def test_audio_loader_builds_a_padded_batch_in_parallel(tmp_path):
    paths = [
        write_audio(tmp_path / "a.wav", tone(0.5)),
        write_audio(tmp_path / "b.flac", chirp(1.0, high=3000.0, sample_rate=8000), 8000),
        write_audio(tmp_path / "c.wav", tone(0.25, sample_rate=44100), 44100),
    ]
    X = AudioLoader(n_jobs=2).fit_transform([str(p) for p in paths])
    assert X.shape == (3, 16000) and X.dtype == np.float32
    np.testing.assert_allclose(clip_lengths(X), [8000, 16000, 4000], atol=2)


def test_audio_loader_passes_waveforms_through():
    X = np.random.default_rng(0).uniform(-1, 1, size=(2, 100)).astype(np.float32)
    np.testing.assert_array_equal(AudioLoader().transform(X), X)


def test_audio_loader_names_the_unreadable_file(tmp_path):
    good = write_audio(tmp_path / "good.wav", tone(0.1))
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio" * 20)
    with pytest.raises(AudioReadError, match="bad.wav"):
        AudioLoader().transform([good, bad])


@pytest.mark.parametrize(
    "paths, message",
    [("one.wav", "single path"), (["a.wav", np.ones(3)], "mixes audio paths")],
)
def test_audio_loader_refuses_bad_path_lists(paths, message):
    with pytest.raises(ValueError, match=message):
        AudioLoader().transform(paths)


def test_fitted_pipeline_predicts_from_files(tmp_path):
    X = np.stack([tone(0.5, 200.0), tone(0.5, 400.0)])
    pipe = make_pipeline(AudioLoader(), PeakNormalizer(), DummyClassifier()).fit(X, ["a", "b"])
    paths = [write_audio(tmp_path / f"{i}.wav", clip) for i, clip in enumerate(X)]
    assert pipe.predict([str(p) for p in paths]).shape == (2,)
    assert pipe.predict(np.asarray([str(p) for p in paths])).shape == (2,)


def test_stereo_rate_mismatch_file_reads_like_a_resampled_mix(tmp_path):
    rate = 48000
    stereo = np.stack([tone(1.0, 300.0, 0.3, rate), tone(1.0, 300.0, 0.3, rate)], axis=1)
    path = tmp_path / "s.wav"
    sf.write(path, (stereo * 32767).astype(np.int16), rate)
    loaded = load_audio(path)
    assert loaded.size == 16000
    assert 0.28 < np.abs(loaded[1000:-1000]).max() < 0.32


def test_audio_loader_keeps_at_most_max_duration(tmp_path):
    paths = [write_audio(tmp_path / "long.wav", tone(2.0)),
             write_audio(tmp_path / "short.wav", tone(0.5))]
    X = AudioLoader(max_duration=1.0).transform(paths)
    assert X.shape == (2, 16000)
    np.testing.assert_allclose(clip_lengths(X), [16000, 8000], atol=2)


@pytest.mark.parametrize("claimed_rate", [1, 999])
def test_a_header_claiming_a_tiny_sample_rate_is_refused_before_decoding(tmp_path,
                                                                         claimed_rate):
    """Resampling 1 s at a claimed 1 Hz to 16 kHz would need 16000 times the memory."""
    path = tmp_path / "damaged.wav"
    sf.write(path, np.full(16000, 0.1, dtype=np.float32), 16000, subtype="PCM_16")
    header = bytearray(path.read_bytes())
    assert header[24:28] == (16000).to_bytes(4, "little")  # the fmt chunk's rate field
    header[24:28] = claimed_rate.to_bytes(4, "little")
    header[28:32] = (2 * claimed_rate).to_bytes(4, "little")
    path.write_bytes(bytes(header))
    with pytest.raises(AudioReadError, match=f"{claimed_rate} Hz.*header is damaged") as error:
        load_audio(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("n_jobs", [0, 1.5, True])
def test_a_meaningless_n_jobs_is_refused_by_name(tmp_path, n_jobs):
    path = write_audio(tmp_path / "a.wav", np.full(1600, 0.1, dtype=np.float32))
    with pytest.raises(ValueError, match="n_jobs"):
        AudioLoader(n_jobs=n_jobs).transform([str(path), str(path)])


def test_channels_that_cancel_in_the_mono_mix_are_named_not_called_silent(tmp_path):
    left = 0.3 * np.sin(2 * np.pi * 220 * np.arange(16000) / 16000)
    path = tmp_path / "inverted.wav"
    sf.write(path, np.stack([left, -left], axis=1), 16000, subtype="FLOAT")
    with pytest.raises(AudioReadError, match="2 channels cancel out") as error:
        load_audio(path)
    assert str(path) in str(error.value)


def _cut(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


@pytest.mark.parametrize("name, subtype", [
    ("a.wav", "PCM_16"), ("a.wav", "PCM_U8"), ("a.wav", "FLOAT"), ("a.wav", "IMA_ADPCM"),
    ("a.aiff", "PCM_16"), ("a.mp3", "MPEG_LAYER_III"),
])
def test_a_file_cut_short_is_named_not_read_shortened(tmp_path, name, subtype):
    # (Before: libsndfile read up to where the data ends, and the clip lost its second half.)
    path = write_audio(tmp_path / name, tone(2.0), 16000, subtype=subtype)
    full = load_audio(path)
    assert full.size >= 32000
    with pytest.raises(AudioReadError, match=rf"audio file .*{name} is cut short: its header "
                                             r"announces \d+ frames \(2\.\d\d s\) but it "
                                             r"holds only \d+ \([01]\.\d\d s\)"):
        load_audio(_cut(path))


def test_a_file_like_cut_short_is_named(tmp_path):
    import io

    data = write_audio(tmp_path / "a.wav", tone(1.0)).read_bytes()
    assert load_audio(io.BytesIO(data)).size == 16000
    with pytest.raises(AudioReadError, match="<audio bytes> is cut short"):
        load_audio(io.BytesIO(data[: len(data) // 2]))


def test_a_streaming_header_of_unknown_length_is_read_whole(tmp_path):
    import struct

    data = bytearray(write_audio(tmp_path / "a.wav", tone(1.0)).read_bytes())
    at = data.find(b"data")
    data[4:8] = data[at + 4 : at + 8] = struct.pack("<I", 0xFFFFFFFF)  # ffmpeg to a pipe
    (tmp_path / "stream.wav").write_bytes(bytes(data))
    assert load_audio(tmp_path / "stream.wav").size == 16000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes")
def test_a_named_pipe_is_named_as_one_not_as_empty(tmp_path):
    # (Before: "audio file is empty (0 bytes)".)
    os.mkfifo(tmp_path / "pipe.wav")
    with pytest.raises(AudioReadError, match=r"got a named pipe \(FIFO\): .*pipe\.wav"):
        load_audio(tmp_path / "pipe.wav")


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_a_device_is_named_as_one_not_as_empty():
    with pytest.raises(AudioReadError, match="got a character device: /dev/null"):
        load_audio("/dev/null")


@pytest.mark.parametrize("path, error, message", [
    (None, TypeError, "an audio path must be a str or os.PathLike, got NoneType"),
    (3, TypeError, "got int"),
    (b"RIFF....WAVE", TypeError, r"got bytes: for encoded audio in memory pass io\.BytesIO"),
    (["a.wav"], TypeError, "got list"),
    ("https://example.com/a.wav", FileNotFoundError,
     "audio paths are local files, got a URL: https://example.com/a.wav"),
])
def test_what_is_not_a_local_audio_path_is_named(path, error, message):
    # (Before: os.fspath's bare TypeError, and "not found: https:/example.com/a.wav".)
    with pytest.raises(error, match=message):
        load_audio(path)


def test_a_broken_link_names_its_target(tmp_path):
    (tmp_path / "a.wav").symlink_to(tmp_path / "gone.wav")
    with pytest.raises(FileNotFoundError, match=r"a\.wav is a link to .*gone\.wav, which "
                                                "does not exist"):
        load_audio(tmp_path / "a.wav")


def test_a_boolean_sample_rate_is_refused(tmp_path):
    # (Before: sample_rate=True resampled a second of audio to one sample.)
    path = write_audio(tmp_path / "x.wav", tone(1.0))
    with pytest.raises(ValueError, match="sample_rate must be a positive integer, got True"):
        load_audio(path, sample_rate=True)


def test_a_header_of_no_samples_before_audio_is_named_as_unfinished(tmp_path):
    import struct

    write_audio(tmp_path / "stopped.wav", tone(1.0))
    data = bytearray((tmp_path / "stopped.wav").read_bytes())
    at = data.index(b"data")
    data[at + 4 : at + 8] = struct.pack("<I", 0)  # a recorder stopped before writing sizes
    (tmp_path / "stopped.wav").write_bytes(bytes(data))
    with pytest.raises(AudioReadError, match=r"no samples: .*stopped\.wav \(its header "
                                             r"announces none, yet it is \d+ bytes"):
        load_audio(tmp_path / "stopped.wav")
    sf.write(tmp_path / "empty.wav", np.zeros(0), 16000)  # truly empty: a plain message
    with pytest.raises(AudioReadError, match=r"no samples: .*empty\.wav$"):
        load_audio(tmp_path / "empty.wav")
