package dev.ponder.gateway.api;

import dev.ponder.cascade.ChatRequest;

/** A validated chat request with the parts of the body that steer Ponder rather than the model. */
record ParsedChatRequest(String model, ChatRequest request, boolean stream, boolean includeUsage) {}
