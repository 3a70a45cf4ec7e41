#include "TemplateLearner.h"

namespace demix::plugin {

TemplateLearner::~TemplateLearner() { cancel(); }

void TemplateLearner::cancel()
{
    cancel_.store(true);
    if (worker_.joinable())
        worker_.join();
    cancel_.store(false);
}

void TemplateLearner::start(int slot, demix::AudioBuffer clip, std::string name, int components,
                            demix::SeparationSettings settings, Completion done)
{
    cancel();
    slot_.store(slot);
    progress_.store(0.0f);
    busy_.store(true);
    worker_ = std::thread([this, slot, clip = std::move(clip), name = std::move(name), components,
                           settings = std::move(settings), done = std::move(done)]() mutable {
        std::optional<demix::TemplateLibrary> library;
        std::string message;
        try {
            library = demix::learnTemplates(
                {clip}, name, components, settings, [this](double fraction, const std::string&) {
                    progress_.store(static_cast<float>(fraction));
                    return !cancel_.load();
                });
            message = "learned " + std::to_string(components) + " templates for " + name;
        } catch (const demix::Cancelled&) {
            message = "learning cancelled";
        } catch (const std::exception& e) {
            message = std::string("learning failed: ") + e.what();
        }
        progress_.store(library ? 1.0f : 0.0f);
        if (done)
            done(slot, std::move(library), message);
        busy_.store(false);
    });
}

}  // namespace demix::plugin
