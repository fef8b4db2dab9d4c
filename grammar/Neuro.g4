// The neuro language. One grammar for files, REPL input and stdlib modules.
//
// Statements end at a newline or ';'. The grammar needs no separators except
// where an expression could run on into the next line: a unit after a number
// and connection/run options must sit on the same line as what they qualify
// (the sameLine() predicate), so `x = 5 <newline> y = 3` never reads `5 y`.
// Everything that can be misplaced (a `connect` inside a neuron, `spike` in a
// synapse) is accepted by the grammar everywhere and rejected by the checker,
// which can then say *where* it belongs instead of "unexpected token".
grammar Neuro;

@parser::members {
  // True when the next token starts on the line where the previous one ended.
  // A word after a number is its unit, except the flags that options use
  // bare (`p = 0.1 one_to_one` would otherwise read a unit `one_to_one`).
  bool unitFollows() {
    if (!sameLine()) return false;
    std::string t = _input->LT(1)->getText();
    return t != "one_to_one" && t != "all_to_all" && t != "draw" && t != "from";
  }
  // Words that start a declaration only where one is expected, so they stay
  // usable as names (`compartment dendrite`, `state segments`, `let input`).
  bool word(const char* w) { return _input->LT(1)->getText() == w; }
  bool sameLine() {
    auto *prev = _input->LT(-1);
    auto *next = _input->LT(1);
    if (prev == nullptr || next == nullptr) return false;
    std::string text = prev->getText();
    size_t lastLine = prev->getLine();
    for (char c : text) if (c == '\n') ++lastLine;
    return next->getLine() == lastLine;
  }
}

file_ : member* EOF ;

// Input typed at the REPL: declarations and statements alike.
replInput : (member | stmt)* EOF ;

// One expression on its own (the REPL's `:type`).
exprInput : expr EOF ;

block : '{' member* '}' ;
stmtBlock : '{' stmt* '}' ;

member
  : 'import' (STRING | dottedName)                                  # importMember
  | 'const' ID '=' expr                                             # constMember
  | 'modulator' ID '=' expr                                         # modulatorMember
  | 'fn' ID '(' (ID (',' ID)*)? ')' '=' expr                        # funcMember
  | kind=('neuron' | 'synapse' | 'circuit') ID block                # modelMember
  | {word("dendrite")}? ID ID block                                 # dendriteMember
  | 'compartment' ID block                                          # compartmentMember
  | {word("segments")}? ID ID                                       # segmentsMember
  | {word("grow")}? ID ID expr                                      # growMember
  | 'param' ID '=' expr                                             # paramMember
  | 'state' ID '=' expr                                             # stateMember
  | {word("input")}? ID ID '=' expr                                 # inputMember
  | 'let' ID '=' expr                                               # letMember
  | 'trace' ID ('=' init=expr)? ('decays' tau=expr)?                # traceMember
  | ID '/' ID '=' expr ('unless' 'refractory')?                     # odeMember
  | 'spike' 'when' expr stmtBlock?                                  # spikeMember
  | 'refractory' expr                                               # refractoryMember
  | 'solver' ID                                                     # solverMember
  | 'on' ID stmtBlock                                               # onMember
  | ID '=' expr initBlock?                                          # bindMember
  | 'connect' expr '->' expr 'via' ID option* ('when' expr)? initBlock?   # connectMember
  | 'record' dottedName (',' dottedName)* 'of' expr recordOption*   # recordMember
  | 'drive' expr op=('=' | '+=' | '-=') expr                       # driveMember
  | 'select' expr 'by' expr option*                                 # selectMember
  | {word("learn")}? ID expr option*                                 # learnMember
  | 'run' ({sameLine()}? ID)? 'for' expr option*                    # runMember
  | ';'                                                             # emptyMember
  ;

dottedName : ID ('.' ID)* ;

// `name = value` or a bare `name` qualifying a connect or run; same line only.
option : {sameLine()}? ','? ID ('=' expr)? ;

// `every INTERVAL` and `from TIME`, in either order, on the record's line;
// `from` stays usable as a name elsewhere.
recordOption
  : {sameLine()}? 'every' expr                                      # everyOption
  | {sameLine() && word("from")}? ID expr                           # fromOption
  ;

initBlock : {sameLine()}? '{' (stmt | ',')* '}' ;

stmt
  : lvalue op=('=' | '+=' | '-=' | '*=' | '/=') expr                # assignStmt
  | 'if' expr stmtBlock ('else' (stmtBlock | ifTail))?              # ifStmt
  | ID '(' (expr (',' expr)*)? ')'                                  # callStmt
  | ';'                                                             # emptyStmt
  ;

ifTail : 'if' expr stmtBlock ('else' (stmtBlock | ifTail))? ;

lvalue : ID ('.' ID)* ;

// Alternatives listed first bind tighter.
expr
  : primary                                                         # primaryExpr
  | expr '.' ID                                                     # memberExpr
  | expr '[' lo=expr? ':' hi=expr? ']'                              # sliceExpr
  | expr '[' expr ']'                                               # indexExpr
  | <assoc = right> expr '^' expr                                   # powExpr
  | op=('-' | '+') expr                                             # unaryExpr
  | expr op=('*' | '/' | '%') expr                                  # mulExpr
  | expr op=('+' | '-') expr                                        # addExpr
  | expr op=('<' | '<=' | '>' | '>=' | '==' | '!=') expr            # cmpExpr
  | 'not' expr                                                      # notExpr
  | expr 'and' expr                                                 # andExpr
  | expr 'or' expr                                                  # orExpr
  | 'if' expr 'then' expr 'else' expr                               # condExpr
  ;

primary
  : NUMBER ({unitFollows()}? unit)?                                 # numberPrimary
  | ID '(' (expr (',' expr)*)? ')'                                  # callPrimary
  | ID                                                              # namePrimary
  | '(' expr ')'                                                    # parenPrimary
  | '(' expr (',' expr)+ ')'                                        # tuplePrimary
  | '[' (expr (',' expr)*)? ','? ']'                                # listPrimary
  | ('true' | 'false')                                              # boolPrimary
  | STRING                                                          # stringPrimary
  ;

// A unit directly after a number: `20 ms`, `10 um^2`, or a bracketed
// compound `0.5 [mV/ms]`. Only unit symbols are allowed here.
unit
  : unitAtom                                                        # simpleUnit
  | '[' unitAtom (('*' | '/') unitAtom)* ']'                        # compoundUnit
  ;
unitAtom : ID ('^' '-'? NUMBER)? ;

NUMBER : DIGITS ('.' DIGITS?)? EXPONENT? | '.' DIGITS EXPONENT? ;
fragment DIGITS : [0-9]+ ;
fragment EXPONENT : [eE] [+-]? DIGITS ;
ID : [a-zA-Z_] [a-zA-Z_0-9]* ;
STRING : '"' (~["\\\r\n] | '\\' .)* '"' ;

LINE_COMMENT : ('#' | '//') ~[\r\n]* -> channel(HIDDEN) ;
BLOCK_COMMENT : '/*' .*? '*/' -> channel(HIDDEN) ;
WS : [ \t\r\n]+ -> channel(HIDDEN) ;
// Anything else becomes a token the parser rejects with a clear message,
// instead of the lexer printing to stderr.
ERROR_CHAR : . ;
