//! Opening capture files: gzip is detected by its magic bytes, not by the file name, so a
//! renamed `.vcd.gz` or a gzip'd CSV reads the same as a plain file.

use crate::TraceError;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Buffer size for reading captures: large enough that the tokenizers see long runs.
pub const BUF_SIZE: usize = 1 << 20;

/// Opens `path` for buffered reading, decompressing gzip transparently.
pub fn open_maybe_gz(path: &Path) -> Result<Box<dyn BufRead + Send>, TraceError> {
    let io = |source| TraceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let n = read_up_to(&mut file, &mut magic).map_err(io)?;
    let file = File::open(path).map_err(io)?;
    if n == 2 && magic == [0x1f, 0x8b] {
        let gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(BUF_SIZE, file));
        Ok(Box::new(BufReader::with_capacity(BUF_SIZE, gz)))
    } else {
        Ok(Box::new(BufReader::with_capacity(BUF_SIZE, file)))
    }
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
