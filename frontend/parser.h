// Text → AST. The only place (with transform.cpp) that knows about ANTLR.
#pragma once

#include "frontend/ast.h"
#include "frontend/diagnostics.h"

namespace neuro::frontend {

// Parses one file already added to `sources`. Syntax errors go to `diags`;
// the returned program is empty when there were any.
Program parse_file(const SourceManager& sources, uint32_t file, Diagnostics& diags);

// Parses REPL input: declarations and statements. `incomplete` is set when
// the only problem is that the input stops in the middle of a construct, so
// the REPL can ask for another line instead of reporting an error.
Program parse_repl(const SourceManager& sources, uint32_t file, Diagnostics& diags,
                   bool& incomplete);

// Parses a file that holds one expression (the REPL's `:type EXPR`), or
// whose text from byte `from` on is one (`--set NAME=VALUE`: the VALUE).
ExprPtr parse_expression(const SourceManager& sources, uint32_t file, Diagnostics& diags,
                         size_t from = 0);

}  // namespace neuro::frontend
