// `neuro repl` (and `neuro` alone): the interactive front end over ReplSession.
#pragma once

namespace neuro::cli {

// Reads from stdin until :quit or end of input. With a terminal: line
// editing, history, completion, prompts. Without (a pipe): none of those,
// so transcripts can be replayed and compared.
int run_repl();

}  // namespace neuro::cli
