package dev.ponder.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.DispatcherType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.util.UrlPathHelper;

class RequestIdsTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/v1/chat/completions",
                "/v1/completions",
                "/",
                "/%761/chat/completions",
                "/v1/%65mbeddings",
                "/v1;jsessionid=1/completions",
                "/v1//completions",
                "//v1/completions",
                "/v1/caf%C3%A9"
            })
    void theDecodedPathIsSpringMvcsForEveryKindOfPath(String uri) {
        for (String contextPath : new String[] {"", "/app"}) {
            MockHttpServletRequest request = new MockHttpServletRequest("POST", contextPath + uri);
            request.setContextPath(contextPath);
            request.setContentType("application/json; charset=UTF-8");

            assertThat(RequestIds.decodedPath(request))
                    .isEqualTo(UrlPathHelper.defaultInstance.getPathWithinApplication(request));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/completions", "/v1/%65mbeddings"})
    void anIncludedRequestIsDecodedBySpringMvcsRules(String uri) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/outer");
        request.setDispatcherType(DispatcherType.INCLUDE);
        request.setAttribute("jakarta.servlet.include.request_uri", uri);

        assertThat(RequestIds.decodedPath(request))
                .isEqualTo(UrlPathHelper.defaultInstance.getPathWithinApplication(request))
                .isNotEqualTo("/outer");
    }
}
