#include "frontend/parser.h"

#include "NeuroLexer.h"
#include "NeuroParser.h"
#include "antlr4-runtime.h"
#include "frontend/transform.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

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
    if (tok->getType() != antlr4::Token::EOF) {
      uint32_t width = 0;
      for (unsigned char ch : text)
        if ((ch & 0xC0) != 0x80) ++width;
      r.end_col = r.col + width;
    }
    if (tok->getType() == antlr4::Token::EOF) {
      saw_eof_error_ = true;
      diags_.error(Code::UnexpectedEnd, r, "the input ends in the middle of a construct",
                   "a `{`, `(` or `[` may be missing its partner, or a statement is unfinished");
      return;
    }
    if (tok->getType() == NeuroLexer::ERROR_CHAR) {
      diags_.error(Code::BadCharacter, r,
                   "the character `" + text + "` is not part of the language",
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
    // A keyword where a name belongs is the usual cause of a confusing error.
    bool keyword = tok->getType() != NeuroLexer::ID && !text.empty() &&
                   (std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_');
    if (keyword) expected = "`" + text + "` is a keyword and cannot be used as a name";
    std::string message;
    if (msg.rfind("missing ", 0) == 0) {
      auto at = msg.find(" at ");
      message = msg.substr(0, at) + " before `" + text + "`";
    } else {
      message = "unexpected `" + text + "`";
    }
    diags_.error(Code::Syntax, r, message,
                 expected.empty() ? ""
                 : keyword        ? expected
                                  : "expected " + expected);
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

// ANTLR decodes UTF-8 and throws on malformed input; we report it instead.
bool valid_utf8(const SourceFile& f, uint32_t file, Diagnostics& diags) {
  const auto* t = reinterpret_cast<const unsigned char*>(f.text.data());
  const size_t n = f.text.size();
  uint32_t line = 1, col = 0;
  for (size_t i = 0; i < n;) {
    unsigned char c = t[i];
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) ok = (t[i + k] & 0xC0) == 0x80;
    if (ok && len == 2) ok = c >= 0xC2;  // no overlong forms
    if (ok && len == 3) ok = !(c == 0xE0 && t[i + 1] < 0xA0) && !(c == 0xED && t[i + 1] >= 0xA0);
    if (ok && len == 4)
      ok = c <= 0xF4 && !(c == 0xF0 && t[i + 1] < 0x90) && !(c == 0xF4 && t[i + 1] >= 0x90);
    if (!ok) {
      SourceRange r{file, line, col, line, col + 1};
      diags.error(Code::BadCharacter, r,
                  fmt::format("the file is not valid UTF-8 (byte 0x{:02X})", c),
                  "save the file as UTF-8");
      return false;
    }
    if (c == '\n') {
      ++line;
      col = 0;
    } else {
      ++col;
    }
    i += len;
  }
  return true;
}

}  // namespace

// The parser and the checker recurse once per nesting level, so absurdly
// deep input (thousands of brackets, of `- - -`, of `if … then if … then`)
// would exhaust the stack or take very long. Models never nest hundreds
// deep: such input gets a diagnostic. Counted on the token stream.
bool sane_nesting(antlr4::CommonTokenStream& tokens, uint32_t file, Diagnostics& diags) {
  constexpr int kMaxDepth = 256;
  tokens.fill();
  // A chain `1 + 1 + … + 1` builds a tree as deep as it is long, which
  // every later pass walks recursively: chains are limited too.
  constexpr int kMaxChain = 2048;
  int brackets = 0, unary = 0, then_depth = 0, chain = 0;
  std::string prev = "=";  // as if after an operator: a leading `-` is unary
  bool prev_operand = false;
  for (antlr4::Token* t : tokens.getTokens()) {
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL || t->getType() == antlr4::Token::EOF)
      continue;
    std::string x = t->getText();
    bool opener = x == "(" || x == "[" || x == "{";
    if (opener) ++brackets;
    if (x == ")" || x == "]" || x == "}") --brackets;
    bool prefix_position = !(prev_operand || prev == ")" || prev == "]" || prev == "}");
    if ((x == "-" || x == "+" || x == "not") && prefix_position)
      ++unary;
    else
      unary = 0;
    if (x == "then") ++then_depth;
    if (x == "else" && then_depth > 0) --then_depth;
    static const char* kBinary[] = {"+",  "-", "*",  "/",  "%",  "^",   "<",
                                    "<=", ">", ">=", "==", "!=", "and", "or"};
    static const char* kBreaks[] = {
        ";",       "{",       "}",      "param",     "state", "let",    "const",
        "spike",   "connect", "record", "drive",     "run",   "neuron", "synapse",
        "circuit", "fn",      "import", "modulator", "on",    "solver", "refractory"};
    for (const char* b : kBinary)
      if (x == b && !prefix_position) ++chain;
    for (const char* b : kBreaks)
      if (x == b) chain = 0;
    if (brackets > kMaxDepth || unary > kMaxDepth || then_depth > kMaxDepth || chain > kMaxChain) {
      SourceRange r{file, static_cast<uint32_t>(t->getLine()),
                    static_cast<uint32_t>(t->getCharPositionInLine()),
                    static_cast<uint32_t>(t->getLine()),
                    static_cast<uint32_t>(t->getCharPositionInLine()) + 1};
      diags.error(Code::Syntax, r,
                  chain > kMaxChain
                      ? fmt::format("an expression has more than {} operators here", kMaxChain)
                      : fmt::format("expressions nest more than {} deep here", kMaxDepth),
                  "split the expression with `let` or `fn`");
      return false;
    }
    prev = x;
    prev_operand = t->getType() == NeuroLexer::ID || t->getType() == NeuroLexer::NUMBER ||
                   x == "true" || x == "false";
  }
  return true;
}

Program parse_file(const SourceManager& sources, uint32_t file, Diagnostics& diags) {
  if (!valid_utf8(sources.file(file), file, diags)) return Program{file, {}, {}};
  Pipeline p(sources.file(file), file, diags);
  if (!sane_nesting(p.tokens, file, diags)) return Program{file, {}, {}};
  size_t before = diags.error_count();
  auto* tree = p.parser.file_();
  if (diags.error_count() > before) return Program{file, {}, {}};
  Transformer t(file, diags);
  return t.file(tree);
}

ExprPtr parse_expression(const SourceManager& sources, uint32_t file, Diagnostics& diags,
                         size_t from) {
  // The bytes before `from` become spaces, so that columns stay those of the whole text.
  SourceFile f = sources.file(file);
  f.text.replace(0, std::min(from, f.text.size()), std::min(from, f.text.size()), ' ');
  if (!valid_utf8(f, file, diags)) return nullptr;
  Pipeline p(f, file, diags);
  if (!sane_nesting(p.tokens, file, diags)) return nullptr;
  size_t before = diags.error_count();
  auto* tree = p.parser.exprInput();
  if (diags.error_count() > before) return nullptr;
  Transformer t(file, diags);
  return t.expr(tree->expr());
}

Program parse_repl(const SourceManager& sources, uint32_t file, Diagnostics& diags,
                   bool& incomplete) {
  Diagnostics local;
  incomplete = false;
  if (!valid_utf8(sources.file(file), file, diags)) return Program{file, {}, {}};
  Pipeline p(sources.file(file), file, local);
  if (!sane_nesting(p.tokens, file, diags)) return Program{file, {}, {}};
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
