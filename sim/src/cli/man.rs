//! `migcal man [-o DIR]`: the manual page (clap_mangen). Without `-o`, `migcal(1)` as roff on
//! stdout (`migcal man | man -l -`); with `-o DIR`, `DIR/migcal.1` and one `migcal-<command>.1`
//! per subcommand (git's naming), each written through [`crate::output`].

use super::{print_out, write_output, CliError, CliResult};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `migcal man`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Write migcal.1 and migcal-<command>.1 into this folder (made if missing) instead of
    /// printing migcal.1.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: Option<PathBuf>,
}

fn render(cmd: clap::Command) -> Result<Vec<u8>, CliError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd)
        .render(&mut page)
        .map_err(|e| CliError::Message(format!("man page: {e}")))?;
    Ok(page)
}

/// Prints or writes the pages of `cmd` (the whole `migcal` command).
pub fn run(args: &Args, cmd: clap::Command) -> CliResult {
    let Some(dir) = &args.output else {
        let page = render(cmd)?;
        print_out(&String::from_utf8_lossy(&page))?;
        return Ok(ExitCode::SUCCESS);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Message(format!("{}: {e}", dir.display())))?;
    let mut cmd = cmd;
    cmd.build();
    let name = cmd.get_name().to_string();
    write_output(&dir.join(format!("{name}.1")), &render(cmd.clone())?)?;
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        // build() named each subcommand `migcal-<command>` for display: clap_mangen's title.
        let page_name = format!("{name}-{}", sub.get_name());
        let page = render(
            sub.clone()
                .display_name(page_name.clone())
                .version(env!("CARGO_PKG_VERSION")),
        )?;
        write_output(&dir.join(format!("{page_name}.1")), &page)?;
    }
    Ok(ExitCode::SUCCESS)
}
