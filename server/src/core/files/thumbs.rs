//! Thumbnails (`image_type=2`): the image scaled to fit a box, its aspect
//! kept, as PNG. CPU-bound: callers run it on a blocking thread.

use bytes::Bytes;

use super::super::error::{Error, Result};

/// The largest picture decoded (pixels): a small file can declare a huge
/// canvas, and decoding allocates for the canvas.
const MAX_PIXELS: u64 = 64 << 20;

pub(super) fn thumbnail(original: &[u8], w: u32, h: u32) -> Result<Bytes> {
    let not_image = || Error::invalid("image_type", "the file is not an image a thumbnail can be made of");
    let mut reader = image::ImageReader::new(std::io::Cursor::new(original))
        .with_guessed_format()
        .map_err(|_| not_image())?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let picture = reader.decode().map_err(|_| not_image())?;
    let small = if picture.width() <= w && picture.height() <= h { picture } else { picture.thumbnail(w, h) };
    let mut out = std::io::Cursor::new(Vec::new());
    small.write_to(&mut out, image::ImageFormat::Png).map_err(|_| not_image())?;
    Ok(Bytes::from(out.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_the_box_keeping_the_aspect() {
        let img = image::RgbImage::from_pixel(400, 100, image::Rgb([200, 10, 10]));
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png).unwrap();
        let thumb = thumbnail(png.get_ref(), 200, 200).unwrap();
        let decoded = image::load_from_memory(&thumb).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (200, 50));
        assert!(thumbnail(b"not an image", 200, 200).is_err());
    }
}
