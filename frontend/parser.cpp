#include "parser.h"

#include "NeuroLexer.h"
#include "NeuroParser.h"
#include "antlr4-runtime.h"
#include "transform.h"

namespace neuro::frontend {

namespace {

// Turns ANTLR's messages into our diagnostics, pointing at the offending token.
class ErrorCollector : public antlr4::BaseErrorListener {
 public:
  ErrorCollector(uint32_t file, Diagnostics& diags) : file_(file), diags_(diags) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* tok, size_t line, size_t col,
                   const std::string& msg, std::exception_ptr) override {
    SourceRange r;
    r.file = file_;
    r.line = static_cast<uint32_t>(line);
    r.col = static_cast<uint32_t>(col);
    r.end_line = r.line;
    r.end_col = r.col + 1;
    if (tok == nullptr) {  // lexer: cannot happen with ERROR_CHAR, but be safe
      diags_.error(Code::BadCharacter, r, "character not allowed here");
      return;
    }
    std::string text = tok->getText();
    if (tok->getType() != antlr4::Token::EOF) r.end_col = r.col + static_cast<uint32_t>(text.size());
    if (tok->getType() == antlr4::Token::EOF) {
      saw_eof_error_ = true;
      diags_.error(Code::UnexpectedEnd, r, "the input ends in the middle of a construct",
                   "a `{`, `(` or `[` may be missing its partner, or a statement is unfinished");
      return;
    }
    if (tok->getType() == NeuroLexer::ERROR_CHAR) {
      diags_.error(Code::BadCharacter, r, "the character `" + text + "` is not part of the language",
                   text == "'" ? "a derivative is written `dv/dt`, not `v'`" : "");
      return;
    }
    std::string expected;
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (parser && msg.rfind("no viable", 0) != 0) {
      auto set = parser->getExpectedTokens();
      auto vocab = parser->getVocabulary();
      int shown = 0;
      for (auto t : set.toList()) {
        if (shown == 8) {
          expected += ", …";
          break;
        }
        std::string name = vocab.getDisplayName(t);
        if (name == "ERROR_CHAR" || name == "LINE_COMMENT" || name == "WS") continue;
        expected += (shown++ ? ", " : "") + name;
      }
    }
    std::string message;
    if (msg.rfind("missing ", 0) == 0) {
      auto at = msg.find(" at ");
      message = msg.substr(0, at) + " before `" + text + "`";
    } else {
      message = "unexpected `" + text + "`";
    }
    diags_.error(Code::Syntax, r, message, expected.empty() ? "" : "expected " + expected);
  }

  bool saw_eof_error() const { return saw_eof_error_; }

 private:
  uint32_t file_;
  Diagnostics& diags_;
  bool saw_eof_error_ = false;
};

struct Pipeline {
  antlr4::ANTLRInputStream input;
  NeuroLexer lexer;
  antlr4::CommonTokenStream tokens;
  NeuroParser parser;
  ErrorCollector errors;

  Pipeline(const SourceFile& f, uint32_t file, Diagnostics& diags)
      : input(f.text), lexer(&input), tokens(&lexer), parser(&tokens), errors(file, diags) {
    lexer.removeErrorListeners();
    parser.removeErrorListeners();
    parser.addErrorListener(&errors);
  }
};

}  // namespace

Program parse_file(const SourceManager& sources, uint32_t file, Diagnostics& diags) {
  Pipeline p(sources.file(file), file, diags);
  size_t before = diags.error_count();
  auto* tree = p.parser.file_();
  if (diags.error_count() > before) return Program{file, {}, {}};
  Transformer t(file, diags);
  return t.file(tree);
}

Program parse_repl(const SourceManager& sources, uint32_t file, Diagnostics& diags,
                   bool& incomplete) {
  Diagnostics local;
  Pipeline p(sources.file(file), file, local);
  auto* tree = p.parser.replInput();
  incomplete = false;
  if (local.has_errors()) {
    // Only "ran out of input" errors mean the user is still typing.
    bool only_eof = true;
    for (const auto& d : local.list())
      if (d.code != Code::UnexpectedEnd) only_eof = false;
    incomplete = only_eof && p.errors.saw_eof_error();
    if (!incomplete) diags.append(local);
    return Program{file, {}, {}};
  }
  Transformer t(file, diags);
  return t.repl(tree);
}

}  // namespace neuro::frontend
