// Parsing and printing of NMF option names ("kl", "mu", "nndsvd", ...).
#include "demix/nmf.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace demix {
namespace {

std::string lowered(const std::string& text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (!std::isspace(static_cast<unsigned char>(c)))
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

std::string formatNumber(float value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%g", static_cast<double>(value));
    return buffer;
}

}  // namespace

Objective objectiveFromString(const std::string& text, float* beta)
{
    const std::string t = lowered(text);
    if (t == "kl" || t == "kullback-leibler") {
        if (beta) *beta = 1.0f;
        return Objective::KullbackLeibler;
    }
    if (t == "frobenius" || t == "euclidean") {
        if (beta) *beta = 2.0f;
        return Objective::Frobenius;
    }
    if (t == "is" || t == "itakura-saito") {
        if (beta) *beta = 0.0f;
        return Objective::ItakuraSaito;
    }
    if (t.rfind("beta=", 0) == 0 && t.size() > 5) {
        const std::string number = t.substr(5);
        char* end = nullptr;
        const double value = std::strtod(number.c_str(), &end);
        if (end != number.c_str() + number.size() || !std::isfinite(value))
            throw InvalidArgument("objective '" + text + "': the value after 'beta=' is not a number");
        if (beta) *beta = static_cast<float>(value);
        return Objective::Beta;
    }
    throw InvalidArgument("unknown objective '" + text +
                          "' (expected kl, frobenius, is or beta=<number>)");
}

std::string toString(Objective objective, float beta)
{
    switch (objective) {
    case Objective::KullbackLeibler: return "kl";
    case Objective::Frobenius: return "frobenius";
    case Objective::ItakuraSaito: return "is";
    case Objective::Beta: return "beta=" + formatNumber(beta);
    }
    return "kl";
}

Solver solverFromString(const std::string& text)
{
    const std::string t = lowered(text);
    if (t == "mu" || t == "multiplicative") return Solver::Multiplicative;
    if (t == "als") return Solver::Als;
    if (t == "hals") return Solver::Hals;
    throw InvalidArgument("unknown NMF solver '" + text + "' (expected mu, als or hals)");
}

std::string toString(Solver solver)
{
    switch (solver) {
    case Solver::Multiplicative: return "mu";
    case Solver::Als: return "als";
    case Solver::Hals: return "hals";
    }
    return "mu";
}

Initialisation initialisationFromString(const std::string& text)
{
    const std::string t = lowered(text);
    if (t == "random") return Initialisation::Random;
    if (t == "nndsvd") return Initialisation::Nndsvd;
    if (t == "nndsvda") return Initialisation::Nndsvda;
    if (t == "nndsvdar") return Initialisation::Nndsvdar;
    throw InvalidArgument("unknown NMF initialisation '" + text +
                          "' (expected random, nndsvd, nndsvda or nndsvdar)");
}

std::string toString(Initialisation init)
{
    switch (init) {
    case Initialisation::Random: return "random";
    case Initialisation::Nndsvd: return "nndsvd";
    case Initialisation::Nndsvda: return "nndsvda";
    case Initialisation::Nndsvdar: return "nndsvdar";
    }
    return "random";
}

Precision precisionFromString(const std::string& text)
{
    const std::string t = lowered(text);
    if (t == "float32") return Precision::Float32;
    if (t == "mixed") return Precision::Mixed;
    if (t == "bfloat16") return Precision::Bfloat16;
    if (t == "adaptive") return Precision::Adaptive;
    throw InvalidArgument("unknown NMF precision '" + text +
                          "' (expected adaptive, float32, mixed or bfloat16)");
}

std::string toString(Precision precision)
{
    switch (precision) {
    case Precision::Mixed: return "mixed";
    case Precision::Bfloat16: return "bfloat16";
    case Precision::Adaptive: return "adaptive";
    case Precision::Float32: break;
    }
    return "float32";
}

float betaOf(Objective objective, float beta)
{
    switch (objective) {
    case Objective::KullbackLeibler: return 1.0f;
    case Objective::Frobenius: return 2.0f;
    case Objective::ItakuraSaito: return 0.0f;
    case Objective::Beta: return beta;
    }
    return 1.0f;
}

}  // namespace demix
