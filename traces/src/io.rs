//! Opening capture files: gzip is detected by its magic bytes, not by the file name, so a
//! renamed `.vcd.gz` or a gzip'd CSV reads the same as a plain file.

use crate::TraceError;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Buffer size for reading captures: large enough that the tokenizers see long runs.
pub const BUF_SIZE: usize = 1 << 20;

/// How far a reader has got through its file: the bytes of the file read so far (compressed
/// bytes, for a gzip) and the file's size. Shared with the reader's input, so a progress bar can
/// look at it while the reader owns the input.
#[derive(Debug, Clone)]
pub struct ReadCounter {
    read: Arc<AtomicU64>,
    total: u64,
}

impl ReadCounter {
    /// Bytes of the file read so far.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
    /// The file's size in bytes.
    pub fn total(&self) -> u64 {
        self.total
    }
}

/// A reader that counts the bytes it passes on (one atomic add per buffer fill).
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The largest text input read whole (a scenario, a mapping file): real ones are a few KB.
pub const MAX_TEXT_FILE: u64 = 16 << 20;

/// Reads a whole text input of at most `limit` bytes (a scenario, a mapping file, a shard's
/// JSON). A larger file, or one that never ends (`/dev/zero`), is an `InvalidData` error that
/// gives the limit once `limit + 1` bytes have been read: memory is never sized by the input.
pub fn read_text_file(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    let mut bytes = Vec::new();
    File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {limit} bytes, the limit for this input"),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| Error::new(ErrorKind::InvalidData, "stream did not contain valid UTF-8"))
}

/// Opens `path` for buffered reading, decompressing gzip transparently.
pub fn open_maybe_gz(path: &Path) -> Result<Box<dyn BufRead + Send>, TraceError> {
    open_counted(path).map(|(r, _)| r)
}

/// [`open_maybe_gz`], with a [`ReadCounter`] of the file's bytes read.
pub fn open_counted(path: &Path) -> Result<(Box<dyn BufRead + Send>, ReadCounter), TraceError> {
    let io = |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let n = read_up_to(&mut file, &mut magic).map_err(io)?;
    let file = File::open(path).map_err(io)?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let counter = ReadCounter {
        read: Arc::new(AtomicU64::new(0)),
        total,
    };
    let file = Counting {
        inner: file,
        read: counter.read.clone(),
    };
    let reader: Box<dyn BufRead + Send> = if n == 2 && magic == [0x1f, 0x8b] {
        let gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(BUF_SIZE, file));
        Box::new(BufReader::with_capacity(BUF_SIZE, gz))
    } else {
        Box::new(BufReader::with_capacity(BUF_SIZE, file))
    };
    Ok((reader, counter))
}

/// The first up-to-`n` bytes of the (decompressed) file, for format sniffing.
pub fn peek(path: &Path, n: usize) -> Result<Vec<u8>, TraceError> {
    let mut r = open_maybe_gz(path)?;
    let mut buf = vec![0u8; n];
    let got = read_up_to(&mut r, &mut buf).map_err(|source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    buf.truncate(got);
    Ok(buf)
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    #[test]
    fn a_vcd_reader_reports_its_position_up_to_the_file_size() {
        let dir = tempfile::tempdir().unwrap();
        let mut text =
            String::from("$timescale 1ns $end\n$var wire 1 ! a $end\n$enddefinitions $end\n");
        for t in 0..20_000 {
            text.push_str(&format!("#{t}\n{}!\n", t % 2));
        }
        let plain = dir.path().join("a.vcd");
        std::fs::write(&plain, &text).unwrap();
        let gz = dir.path().join("a.vcd.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text.as_bytes()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        for path in [&plain, &gz] {
            let size = std::fs::metadata(path).unwrap().len();
            let mut src = crate::vcd::open(path).unwrap();
            let (read, total) = src.read_progress().expect("a VCD file knows its position");
            assert_eq!(total, size);
            assert!(read <= size);
            let mut n = 0;
            while src.next_change().unwrap().is_some() {
                n += 1;
            }
            assert_eq!(n, 20_000);
            assert_eq!(
                src.read_progress(),
                Some((size, size)),
                "{}",
                path.display()
            );
        }
    }
}

#[cfg(test)]
mod text_file_tests {
    use super::*;

    #[test]
    fn a_text_input_is_read_up_to_its_limit_and_no_further() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.toml");
        std::fs::write(&p, "seed = 1\n").unwrap();
        assert_eq!(read_text_file(&p, 9).unwrap(), "seed = 1\n");
        let e = read_text_file(&p, 8).unwrap_err().to_string();
        assert!(e.contains("larger than 8 bytes"), "{e}");
        std::fs::write(&p, b"\xff").unwrap();
        assert!(read_text_file(&p, 8)
            .unwrap_err()
            .to_string()
            .contains("UTF-8"));
    }

    #[test]
    fn an_endless_input_stops_at_the_limit() {
        let e = read_text_file(Path::new("/dev/zero"), 1 << 10).unwrap_err();
        assert!(e.to_string().contains("larger than 1024 bytes"), "{e}");
    }
}
