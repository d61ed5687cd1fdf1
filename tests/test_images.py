"""Images: resized at build time to WebP + fallback, deterministic, and bad images are content errors."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE, tree_bytes
from PIL import Image

from sitegen.images import MAX_PIXELS, process_image, target_widths


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", (width, height), (200, 80, 40))
    image.paste((20, 90, 160), (0, 0, width // 2, height // 3))
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = "camera notes that must not be published"  # ImageDescription
    if orientation:
        exif[0x0112] = orientation
    image.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def _png_with_alpha(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 120, 90, 128)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(SAMPLE / "content", root)
    (root / "images").mkdir()
    return root


def _use_images(content: Path, article_image: str, photo: str) -> None:
    article = content / "articles/project-x.md"
    text = article.read_text()
    text = text.replace(
        "tags: [jong talent]\n", f"tags: [jong talent]\nimage:\n  src: {article_image}\n  alt: Een atelier vol licht\n"
    )
    article.write_text(text)
    igs = content / "igs/noord.yaml"
    igs.write_text(
        igs.read_text().replace(
            "  role: coördinator\n",
            f"  role: coördinator\n  photo: {photo}\n  photo_alt: An Voorbeeld lacht in de camera\n",
        )
    )


def test_target_widths_never_upscale() -> None:
    assert target_widths(4000) == (480, 960, 1440)
    assert target_widths(1440) == (480, 960, 1440)
    assert target_widths(1000) == (480, 960, 1000)
    assert target_widths(300) == (300,)


def test_jpeg_becomes_webp_and_jpeg_without_metadata() -> None:
    picture, files = process_image("images/atelier.jpg", _jpeg(2000, 1000, orientation=6))
    # Orientation 6 (rotate 90°) is applied, then dropped with the rest of the metadata.
    assert (picture.width, picture.height) == (1000, 2000)
    assert [v.width for v in picture.webp] == [480, 960, 1000]
    assert [v.out_path for v in picture.fallback] == [
        "images/atelier-480w.jpg",
        "images/atelier-960w.jpg",
        "images/atelier-1000w.jpg",
    ]
    assert picture.fallback_type == "image/jpeg"
    for variant in picture.webp + picture.fallback:
        with Image.open(io.BytesIO(files[variant.out_path])) as image:
            assert image.size == (variant.width, variant.height)
            assert image.format == ("WEBP" if variant.out_path.endswith(".webp") else "JPEG")
            assert not image.getexif() and "icc_profile" not in image.info
        assert b"camera notes" not in files[variant.out_path]
    assert process_image("images/atelier.jpg", _jpeg(2000, 1000, orientation=6))[1] == files, "byte-stable"


def test_transparent_png_keeps_a_png_fallback() -> None:
    picture, files = process_image("images/logo.png", _png_with_alpha(600, 300))
    assert picture.fallback_type == "image/png"
    assert [v.out_path for v in picture.fallback] == ["images/logo-480w.png", "images/logo-600w.png"]
    with Image.open(io.BytesIO(files["images/logo-480w.png"])) as image:
        assert image.mode == "RGBA" and image.size == (480, 240)


def test_svg_passes_through() -> None:
    picture, files = process_image("images/kaart.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    assert picture.is_svg and files == {}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xd8\xff\xe0 not really a jpeg", r"kan niet gelezen worden: het bestand is beschadigd"),
        (b"BM" + b"\x00" * 60, "is geen JPEG-, PNG-, WebP- of GIF-bestand"),
    ],
)
def test_unreadable_images_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        process_image("images/x.jpg", data)


def test_too_many_pixels_is_refused_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, "PNG")  # 48 megapixel, a few kB on disk
    assert MAX_PIXELS < 8000 * 6000
    with pytest.raises(ValueError, match=r"is te groot \(8000×6000 pixels; hoogstens 40 megapixel\)"):
        process_image("images/groot.png", buffer.getvalue())


def test_pages_show_pictures_with_srcset_and_size(run_cli, content: Path, tmp_path: Path) -> None:
    (content / "images/atelier.jpg").write_bytes(_jpeg(1600, 900))
    (content / "images/an.jpg").write_bytes(_jpeg(600, 600))
    _use_images(content, "images/atelier.jpg", "images/an.jpg")
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 0, err
    article = (out / "verhalen/project-x/index.html").read_text()
    assert (
        '<picture><source type="image/webp" srcset="/images/atelier-480w.webp 480w, /images/atelier-960w.webp 960w,'
        ' /images/atelier-1440w.webp 1440w" sizes="(min-width: 48rem) 44rem, calc(100vw - 2.5rem)">'
        '<img src="/images/atelier-960w.jpg" srcset="/images/atelier-480w.jpg 480w, /images/atelier-960w.jpg 960w,'
        ' /images/atelier-1440w.jpg 1440w" sizes="(min-width: 48rem) 44rem, calc(100vw - 2.5rem)"'
        ' width="1440" height="810" alt="Een atelier vol licht" decoding="async"></picture>'
    ) in article  # the article image is at the top: not lazy
    igs = (out / "igs/noord/index.html").read_text()
    photo = re.search(r"<picture>(?:(?!</picture>).)*person-photo.*?</picture>", igs)
    assert photo, "the coordinator photo is shown"
    assert 'alt="An Voorbeeld lacht in de camera" class="person-photo" loading="lazy" decoding="async"' in photo[0]
    assert 'width="600" height="600"' in photo[0]
    built = tree_bytes(out)
    for name in ("images/atelier-1440w.webp", "images/atelier-480w.jpg", "images/an-600w.webp", "images/an-480w.jpg"):
        assert name in built, name
    assert "images/atelier-1600w.jpg" not in built


def test_a_broken_image_names_the_content_file_that_uses_it(run_cli, content: Path, tmp_path: Path) -> None:
    # Well-formed JPEG blocks, but no picture in them (a truncated file is refused where it lies).
    (content / "images/kapot.jpg").write_bytes(b"\xff\xd8\xff\xfe\x00\x07kapot\xff\xd9")
    (content / "images/an.jpg").write_bytes(_jpeg(100, 100))
    _use_images(content, "images/kapot.jpg", "images/an.jpg")
    out = tmp_path / "site"
    code, _, err = run_cli("build", "--content", str(content), "--output", str(out))
    assert code == 1
    line = next(
        n for n, text in enumerate((content / "articles/project-x.md").read_text().splitlines(), 1) if "kapot" in text
    )
    assert f"articles/project-x.md:{line}: afbeelding images/kapot.jpg is geen JPEG-, PNG-, WebP- of GIF-" in err
    assert not out.exists(), "nothing is written"
