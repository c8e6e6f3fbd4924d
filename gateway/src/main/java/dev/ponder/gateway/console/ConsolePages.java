package dev.ponder.gateway.console;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/** The console is one page of static assets from the jar (no CDN): it renders the console API's JSON. */
@Controller
class ConsolePages {

    @GetMapping({"/admin", "/admin/"})
    String index() {
        return "forward:/admin/index.html";
    }
}
